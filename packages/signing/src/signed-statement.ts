import type { Digest } from '@sealpack/oci-client';
import { buildStatement, parseStatement, ProvenanceError, type Statement } from '@sealpack/provenance/statement';
import { SigningError } from './errors.ts';

// The in-toto Statement is @sealpack/provenance's (one builder, one strict reader); this file only
// says it in the terms of a signature over an OCI manifest.

/**
 * The statement signed for a manifest. The predicate is signed as handed in: an attester's SBOM of
 * another SPDX version is the attester's to sign, and a detached predicate's stand-in has no shape
 * of its type.
 */
export function manifestStatement(subjectName: string, digest: Digest, predicateType: string, predicate: unknown): Statement {
  const [algorithm, hex] = digest.split(':') as [string, string];
  return buildStatement([{ name: subjectName, [algorithm]: hex }], predicateType, predicate as Record<string, unknown>, { checkPredicate: false });
}

/**
 * The statement in a DSSE payload whose signature verified. Read strictly (a duplicate key, which
 * two parsers would read two ways, is refused), v1 or v0.1; its predicate is not judged here: a
 * validly signed attestation is reported as such whatever version of SPDX or CycloneDX it holds.
 */
export function signedStatement(payload: Uint8Array): Statement {
  try {
    return parseStatement(payload, { checkPredicate: false });
  } catch (error) {
    if (!(error instanceof ProvenanceError)) throw error;
    throw new SigningError('INVALID_BUNDLE', `the signed payload is not an in-toto Statement (v1 or v0.1): ${error.message}`, { cause: error });
  }
}
