import { parseReference, type Reference } from '@sealpack/oci-client';

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
