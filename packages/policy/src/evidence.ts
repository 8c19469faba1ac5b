import { z } from 'zod';

const Digest = z.string().regex(/^sha256:[a-f0-9]{64}$/);

/** What every verdict says: valid or why not, and who signed (a key's id, or a certificate's identity and issuer). */
const verdictFields = {
  valid: z.boolean(),
  reason: z.string().optional(),
  keyId: z.string().optional(),
  identity: z.string().optional(),
  issuer: z.string().optional(),
};

/** One signature bundle over the subject, as verification judged it under the caller's key or identity. */
const SignatureEvidence = z.strictObject({
  ...verdictFields,
  tlog: z.boolean(),
  timestamp: z.boolean(),
});

/** One attestation over the subject: its predicate type, whether it verified, and what it carried. */
const AttestationEvidence = z.strictObject({
  predicateType: z.string().min(1),
  ...verdictFields,
  /** sha256 of the verified predicate's canonical bytes, when verified. */
  predicateDigest: Digest.optional(),
  /** The verified predicate itself, for rules that read into it (PROV for lineage and declassification). */
  predicate: z.unknown().optional(),
});

/**
 * Everything a policy may look at for one subject digest, gathered before evaluation (the
 * collector does it from a Target with the signing package) so that evaluation is pure and fast.
 */
export const EvidenceSchema = z.strictObject({
  schemaVersion: z.literal(1),
  subject: z.strictObject({
    /** The reference as given, and whether it named the digest (a tag can move; a digest cannot). */
    reference: z.string().min(1),
    pinned: z.boolean(),
    digest: Digest,
    mediaType: z.string().min(1),
    artifactType: z.string().optional(),
    annotations: z.record(z.string(), z.string()),
    /** `org.opencontainers.image.created`, when the artifact says. */
    created: z.string().optional(),
    files: z.array(z.strictObject({ name: z.string(), mediaType: z.string(), size: z.number().int().nonnegative(), digest: Digest })),
  }),
  signatures: z.array(SignatureEvidence),
  attestations: z.array(AttestationEvidence),
  labels: z.strictObject({
    license: z.string().optional(),
    sensitivity: z.string().optional(),
    care: z.array(z.string()).optional(),
    rightsHolder: z.string().optional(),
  }),
  /** Revocations attached to the subject that verify under the caller's key or identity: each is a deny. */
  revocations: z.array(z.strictObject({ reason: z.string(), revokedAt: z.string().optional(), signer: z.string().optional() })).default([]),
  /** The sensitivity labels of the subject's inputs, read through its signed lineage. */
  lineage: z
    .strictObject({
      inputs: z.array(
        z.strictObject({
          id: z.string(),
          sensitivity: z.string().optional(),
          /** Its manifest could not be read (unreachable, offline, gone): its label is unknown, not absent. */
          unreadable: z.literal(true).optional(),
        }),
      ),
    })
    .default({ inputs: [] }),
});

export type Evidence = z.infer<typeof EvidenceSchema>;
export type EvidenceInput = z.input<typeof EvidenceSchema>;
export type SignatureEvidence = z.infer<typeof SignatureEvidence>;
export type AttestationEvidence = z.infer<typeof AttestationEvidence>;
