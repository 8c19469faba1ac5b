import { parseManifest, parseReference, type ReadOnlyTarget, type Reference, referenceSelector } from '@sealpack/oci-client';

/** How the judge reaches an artifact that a verified PROV names: the caller's opener, with its own credential rules. */
export type OpenInput = (ref: Reference) => Promise<ReadOnlyTarget>;

/** The manifest annotation that carries an artifact's sensitivity label (part of the digest-pinned manifest). */
export const SENSITIVITY_ANNOTATION = 'dev.sealpack.sensitivity';

/**
 * The artifact a PROV entity id names (`oci://HOST/REPO@sha256:…`, `ocidir://DIR@sha256:…`), or
 * none for an id that names no artifact (a file's `urn:sha256:…`, a URL).
 */
export function referenceOfProvId(id: string): Reference | undefined {
  try {
    return parseReference(id.replace(/^oci:\/\//, ''));
  } catch {
    return undefined;
  }
}

/** What the judge learnt of an input's label: read (labelled or not), or not readable at all. */
export interface InputLabel {
  readable: boolean;
  sensitivity?: string;
}

/**
 * The sensitivity label of an input a verified PROV names: the annotation of that artifact's
 * manifest, read by its digest (the manifest is content-addressed, so the label is as trustworthy
 * as the PROV that pinned it). An input that cannot be read is `readable: false`, which every rule
 * counts against the subject: fail closed.
 */
export function inputLabelReader(open: OpenInput): (id: string) => Promise<InputLabel> {
  return async (id) => {
    const ref = referenceOfProvId(id);
    // An input named by a tag is whatever the tag names today, not what the run used: unknown.
    if (ref === undefined || ref.digest === undefined) return { readable: false };
    try {
      const target = await open(ref);
      const descriptor = await target.resolve(referenceSelector(ref) ?? 'latest');
      const parsed = parseManifest(await target.fetchManifest(descriptor), descriptor.mediaType);
      const annotations = parsed.manifest.annotations as Record<string, string> | undefined;
      const sensitivity = annotations !== undefined && Object.hasOwn(annotations, SENSITIVITY_ANNOTATION) ? annotations[SENSITIVITY_ANNOTATION] : undefined;
      return { readable: true, ...(sensitivity === undefined ? {} : { sensitivity }) };
    } catch {
      return { readable: false };
    }
  };
}
