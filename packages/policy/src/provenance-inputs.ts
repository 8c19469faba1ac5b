import { artifactReferencesIn, PREDICATE, parseProvDocument } from '@sealpack/provenance';
import type { BundleVerdict } from '@sealpack/signing/verify';

/** The predicates that say what an artifact was made from: each input they name is read for its label. */
export const PROVENANCE_TYPES: ReadonlySet<string> = new Set([PREDICATE.prov, PREDICATE.slsaProvenance, PREDICATE.slsaProvenanceV02]);

/**
 * The artifacts a verified provenance attestation names as inputs, but the subject itself: for
 * PROV, every input its document may name (`ParsedProv.inputs`, whatever id it gives the output —
 * the attestation's signed in-toto subject binds it to the artifact), with the JSON-LD features it
 * uses that sealpack does not interpret; for SLSA, every artifact reference in it.
 */
export function namedInputs(verdict: Pick<BundleVerdict, 'predicateType' | 'predicate'>, subjectDigest: string): { ids: string[]; uninterpreted: string[] } {
  if (verdict.predicateType === PREDICATE.prov) {
    const prov = parseProvDocument(verdict.predicate);
    return { ids: artifactIds(prov.inputs(), subjectDigest), uninterpreted: prov.uninterpreted };
  }
  const predicate = verdict.predicate;
  return { ids: typeof predicate === 'object' && predicate !== null ? artifactIds(artifactReferencesIn(predicate as Record<string, unknown>), subjectDigest) : [], uninterpreted: [] };
}

/** The ids that name artifacts, but the subject itself; a scheme in any case (RFC 3986 3.1). */
function artifactIds(ids: readonly string[], digest: string): string[] {
  const hex = digest.slice(7);
  const artifacts = ids.flatMap((id) => {
    const scheme = /^(oci|ocidir):\/\//i.exec(id);
    return scheme === null ? [] : [`${(scheme[1] as string).toLowerCase()}://${id.slice(scheme[0].length)}`];
  });
  return [...new Set(artifacts)].filter((id) => !id.endsWith(`@sha256:${hex}`)).sort();
}
