/**
 * Every predicate type URI sealpack builds, reads or names, defined once: signing's cosign `--type`
 * names, the policy's evidence kinds, lifecycle's records and the CLI all import them from here.
 */
export const PREDICATE = {
  /** Ours: a PROV-O JSON-LD document (see `buildProvDocument`) as the predicate, versioned in its URI. */
  prov: 'https://sealpack.dev/attestation/prov/v1',
  slsaProvenance: 'https://slsa.dev/provenance/v1',
  /** What cosign `--type slsaprovenance` still writes. */
  slsaProvenanceV02: 'https://slsa.dev/provenance/v0.2',
  spdx: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  /** What cosign v3 signs for `cosign sign`: a statement with this type, an empty predicate, over the manifest digest. */
  cosignSign: 'https://sigstore.dev/cosign/sign/v1',
  /** cosign `--type custom`. */
  custom: 'https://cosign.sigstore.dev/attestation/v1',
  /**
   * A revocation: a signed statement (`{ reason, revokedAt }`) attached to an artifact that its
   * signer no longer vouches for it; a revocation that verifies counts as a deny.
   */
  revocation: 'https://sealpack.dev/revocation/v1',
  /** A promotion record: a signed statement attached to the artifact promoted to an environment. */
  promotion: 'https://sealpack.dev/promotion/v1',
} as const;
