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

// RFC 3339 section 5.6 `date-time` (its lowercase t and z included, as 5.6's note allows), which
// is also every xsd:dateTime that names its offset. A time without an offset names no instant
// (xsd:dateTime allows one; PROV-O times are instants), so it is refused rather than guessed.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** A time another tool wrote: RFC 3339 with `Z` or any offset, fractional seconds to nanoseconds. */
export const DateTimeWithOffset = z.string().refine(isDateTimeWithOffset, { message: 'not an RFC 3339 date-time with an offset (YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm))' });

function isDateTimeWithOffset(text: string): boolean {
  const m = DATE_TIME.exec(text);
  if (m === null) return false;
  const n = (i: number) => Number(m[i] ?? 0);
  // A date that exists (Date.UTC rolls 2026-02-30 over to March) and RFC 3339 5.6's ranges; a leap
  // second (60) is refused: nothing here can say whether one happened at that minute.
  const date = new Date(Date.UTC(n(1), n(2) - 1, n(3)));
  const exists = date.getUTCFullYear() === n(1) && date.getUTCMonth() === n(2) - 1 && date.getUTCDate() === n(3);
  return exists && n(4) <= 23 && n(5) <= 59 && n(6) <= 59 && n(8) <= 23 && n(9) <= 59;
}
