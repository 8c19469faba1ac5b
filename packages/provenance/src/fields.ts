import { z } from 'zod';

// The field shapes every document here shares. Times are RFC 3339 in UTC ("Z"): a local offset
// makes two machines write two texts for one instant, and canonical digests would differ.
const UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

export const UtcTimestamp = z.string().refine((text) => UTC.test(text) && !Number.isNaN(Date.parse(text)) && sameCalendarDay(text), {
  message: 'not an RFC 3339 UTC timestamp (YYYY-MM-DDThh:mm:ssZ)',
});

/** Date.parse rolls 2026-02-30 over to March; a real timestamp names a day that exists. */
function sameCalendarDay(text: string): boolean {
  return new Date(Date.parse(text)).toISOString().slice(0, 10) === text.slice(0, 10);
}

/** A SHA-256 as lowercase hex: the only digest algorithm taken here. */
export const Sha256Hex = z.string().regex(/^[a-f0-9]{64}$/, 'not a sha256 digest (64 lowercase hex digits)');

/**
 * `oci://registry/repository@sha256:<hex>` (or `ocidir://path@sha256:<hex>` for an artifact in a
 * local OCI layout): an immutable reference to an OCI artifact.
 */
export const OciRef = z.string().regex(/^oci(dir)?:\/\/[^\s@]+@sha256:[a-f0-9]{64}$/, 'not a digest-pinned oci://registry/repository@sha256:<hex> reference');

export const NonEmpty = z.string().min(1);
