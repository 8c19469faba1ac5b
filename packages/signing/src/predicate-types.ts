// Kept apart from attest.ts (which loads sigstore-js's signing side) so that verifying needs only this.

/** cosign's `--type` names and the predicate types they stand for; anything else is a URI itself. */
export const PREDICATE_TYPES: Readonly<Record<string, string>> = {
  prov: 'https://sealpack.dev/attestation/prov/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  custom: 'https://cosign.sigstore.dev/attestation/v1',
};

/** The statement's predicate when the real one travels beside it (a sealpack convention). */
export const DETACHED_PREDICATE_KEY = 'dev.sealpack.detachedPredicate';

/**
 * A revocation: a signed statement (`{ reason, revokedAt }`) attached to an artifact that its
 * signer no longer vouches for it. `sealpack verify`, policy evaluation and promotion treat a
 * revocation that verifies under the caller's key or identity as a deny.
 */
export const REVOCATION_PREDICATE_TYPE = 'https://sealpack.dev/revocation/v1';
