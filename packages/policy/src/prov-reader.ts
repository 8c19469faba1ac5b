import { isOciError, referenceSelector } from '@sealpack/oci-client';
import { type AttestedProv, PREDICATE, type ProvReader } from '@sealpack/provenance';
import { unverifiedPredicates, verifyAttached, type VerifyPolicy } from '@sealpack/signing/verify';
import { type OpenInput, referenceOfProvId } from './input-labels.ts';

/**
 * The PROV reader lineage walks with (`walkLineage`): the PROV attestations of the artifact an id
 * names, read where the id says it lives. Each verifies under the key or identity and is then
 * followed; with none given (`allowUnverified` in the walk) they are read unverified and marked
 * so, never a basis for a decision. An input that is not (or no longer) there has no PROV.
 */
export function attestedProvReader(open: OpenInput, verifyPolicy: VerifyPolicy | undefined): ProvReader {
  return {
    async provenanceOf(id) {
      const ref = referenceOfProvId(id);
      if (ref === undefined) return [];
      try {
        const target = await open(ref);
        const subject = await target.resolve(referenceSelector(ref) ?? 'latest');
        const unverified = async (note: string) => (await unverifiedPredicates(target, subject, PREDICATE.prov)).map((p): AttestedProv => ({ document: p.predicate, verified: false, note }));
        if (verifyPolicy === undefined) return unverified('not verified: no key or identity given');
        const verdicts = await verifyAttached(target, subject, { ...verifyPolicy, predicateType: PREDICATE.prov });
        const verified = verdicts
          .filter((v) => v.valid)
          .map((v): AttestedProv => ({ document: v.predicate, verified: true, note: v.keyId !== undefined ? `key ${v.keyId}` : `identity ${v.identity ?? '?'}` }));
        if (verified.length > 0 || verdicts.length === 0) return verified;
        return unverified(verdicts[0]?.reason ?? 'does not verify');
      } catch (error) {
        if (isOciError(error, 'NOT_FOUND')) return [];
        throw error;
      }
    },
  };
}
