// Kept apart from attest.ts (which loads sigstore-js's signing side) so that verifying needs only this.
import { PREDICATE } from '@sealpack/provenance/statement';

/** cosign's `--type` names and the predicate types they stand for; anything else is a URI itself. */
export const PREDICATE_TYPES: Readonly<Record<string, string>> = {
  prov: PREDICATE.prov,
  spdx: PREDICATE.spdx,
  spdxjson: PREDICATE.spdx,
  cyclonedx: PREDICATE.cyclonedx,
  slsaprovenance: PREDICATE.slsaProvenanceV02,
  slsaprovenance02: PREDICATE.slsaProvenanceV02,
  slsaprovenance1: PREDICATE.slsaProvenance,
  custom: PREDICATE.custom,
};

/** The statement's predicate when the real one travels beside it (a sealpack convention). */
export const DETACHED_PREDICATE_KEY = 'dev.sealpack.detachedPredicate';
