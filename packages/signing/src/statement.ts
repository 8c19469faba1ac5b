import { z } from 'zod';
import type { Digest } from '@sealpack/oci-client';
import { SigningError } from './errors.ts';

/** in-toto attestation framework, Statement layer v1. */
const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
/** The DSSE payload type of an in-toto statement. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** What cosign v3 signs for `cosign sign`: a statement with this predicate over the manifest digest. */
export const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';

// Statements are written as v1; v0.1 ones (cosign v2 and many others) are read too.
const IN_TOTO_STATEMENT_V01 = 'https://in-toto.io/Statement/v0.1';

const StatementSchema = z.looseObject({
  _type: z.enum([IN_TOTO_STATEMENT_TYPE, IN_TOTO_STATEMENT_V01]),
  subject: z.array(z.looseObject({ name: z.string().optional(), digest: z.record(z.string(), z.string()) })).min(1),
  predicateType: z.string().min(1),
  predicate: z.unknown().optional(),
});
export type Statement = z.infer<typeof StatementSchema>;

export function buildStatement(subjectName: string, digest: Digest, predicateType: string, predicate: unknown): Statement {
  const [algorithm, hex] = digest.split(':') as [string, string];
  return { _type: IN_TOTO_STATEMENT_TYPE, subject: [{ name: subjectName, digest: { [algorithm]: hex } }], predicateType, predicate };
}

export function parseStatement(payload: Buffer): Statement {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch (cause) {
    throw new SigningError('INVALID_BUNDLE', 'the signed payload is not JSON', { cause });
  }
  const parsed = StatementSchema.safeParse(json);
  if (!parsed.success) throw new SigningError('INVALID_BUNDLE', 'the signed payload is not an in-toto Statement (v1 or v0.1)');
  return parsed.data;
}

/**
 * Whether a statement is about exactly this manifest. sigstore-js checks the signature, not what was
 * signed for: without this, a valid bundle made for another artifact would pass.
 */
export function statementNames(statement: Statement, digest: Digest): boolean {
  const [algorithm, hex] = digest.split(':') as [string, string];
  return statement.subject.some((s) => s.digest[algorithm] === hex);
}
