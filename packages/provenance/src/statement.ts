import { z } from 'zod';
import { ProvenanceError } from './errors.ts';
import { Sha256Hex } from './fields.ts';
import { PREDICATE } from './predicate-types.ts';
import { parseProvDocument } from './prov/parse.ts';
import { type JsonLimits, parseStrictJson } from './strict-json.ts';
import { firstIssue } from './zod-issues.ts';

// The one module that builds and reads in-toto Statements: what sealpack signs, and what its
// verifiers read out of a signed DSSE payload (in-toto attestation framework spec v1,
// spec/v1/statement.md and spec/v1/resource_descriptor.md).
export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
/** Statements are written as v1; v0.1 ones (cosign v2 and many other tools) are read too. */
const IN_TOTO_STATEMENT_V01 = 'https://in-toto.io/Statement/v0.1';
/** The DSSE payload type of an in-toto statement (spec/v1/envelope.md). */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

// A DigestSet (spec/v1/digest_set.md) of an OCI subject: one of the two algorithms an OCI digest
// can have (image-spec descriptor.md#digests), checked; other algorithms are kept as written.
const Sha512Hex = z.string().regex(/^[a-f0-9]{128}$/, 'not a sha512 digest (128 lowercase hex digits)');
const DigestSet = z
  .looseObject({ sha256: Sha256Hex.optional(), sha512: Sha512Hex.optional() })
  .refine((digest) => digest.sha256 !== undefined || digest.sha512 !== undefined, { message: 'a subject needs a sha256 or sha512 digest', path: ['sha256'] });
// `name` is optional (statement.md: "If the name is not meaningful, leave the field unset"); the
// spec's parsing rules have a consumer ignore fields it does not know, so objects are loose.
const Subject = z.looseObject({ name: z.string().optional(), digest: DigestSet });
const StatementSchema = z.looseObject({
  _type: z.enum([IN_TOTO_STATEMENT_V1, IN_TOTO_STATEMENT_V01]),
  subject: z.array(Subject).min(1),
  predicateType: z.url(),
  // statement.md: the predicate is optional, unset meaning empty.
  predicate: z.record(z.string(), z.unknown()).default({}),
});

export type Statement = z.infer<typeof StatementSchema>;

export interface StatementOptions {
  /**
   * Whether a predicate of a type in `PREDICATE` this package knows the shape of (PROV, SLSA
   * provenance v1, SPDX 2.3, CycloneDX 1.6) is checked too; default true. A verifier passes false:
   * a validly signed SBOM of another SPDX or CycloneDX version is evidence to report (a policy may
   * refuse it), not a crash; and an attester signs what it was handed, in whatever version.
   */
  checkPredicate?: boolean;
}

// The parts of each known predicate this package relies on; the rest is kept as written.
const SlsaProvenanceV1 = z.looseObject({
  buildDefinition: z.looseObject({ buildType: z.url(), externalParameters: z.record(z.string(), z.unknown()) }),
  runDetails: z.looseObject({ builder: z.looseObject({ id: z.url() }) }),
});
const SpdxDocument = z.looseObject({ spdxVersion: z.string().regex(/^SPDX-2\.3$/), SPDXID: z.literal('SPDXRef-DOCUMENT') });
const CycloneDxBom = z.looseObject({ bomFormat: z.literal('CycloneDX'), specVersion: z.literal('1.6') });

/** A v1 statement about `subjects` (a name and a sha256 or sha512 hex digest each). */
export function buildStatement(
  subjects: ReadonlyArray<{ name: string; sha256?: string; sha512?: string }>,
  predicateType: string,
  predicate: Record<string, unknown>,
  options: StatementOptions = {},
): Statement {
  const subject = subjects.map((s) => ({ name: s.name, digest: { ...(s.sha256 === undefined ? {} : { sha256: s.sha256 }), ...(s.sha512 === undefined ? {} : { sha512: s.sha512 }) } }));
  return validateStatement({ _type: IN_TOTO_STATEMENT_V1, subject, predicateType, predicate }, options);
}

/**
 * Reads an in-toto Statement, v1 or v0.1, from its JSON text or the bytes of a DSSE payload. The
 * JSON is read strictly: a signed payload with a duplicate key would mean one thing to this reader
 * and another to a verifier that keeps the first (RFC 7493 2.3), so it is refused, as is text that
 * is not UTF-8 (RFC 8259 8.1) or starts with a byte order mark.
 */
export function parseStatement(input: string | Uint8Array, options: StatementOptions & { limits?: JsonLimits } = {}): Statement {
  return validateStatement(parseStrictJson(typeof input === 'string' ? input : utf8(input), options.limits), options);
}

/** Whether the statement names the artifact of this digest (`sha256:…`) among its subjects. */
export function statementNames(statement: Statement, digest: string): boolean {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  return colon > 0 && statement.subject.some((s) => (s.digest as Record<string, unknown>)[algorithm] === hex);
}

function utf8(bytes: Uint8Array): string {
  try {
    // ignoreBOM keeps a byte order mark in the text, where the JSON reader refuses it.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    throw new ProvenanceError('INVALID_JSON', 'not JSON: the bytes are not UTF-8', { cause });
  }
}

function validateStatement(value: unknown, options: StatementOptions): Statement {
  const parsed = StatementSchema.safeParse(value);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error);
    throw new ProvenanceError(issue.code, `not an in-toto Statement at ${issue.path}: ${issue.message}`, { path: issue.path });
  }
  if (options.checkPredicate !== false) checkPredicate(parsed.data);
  return parsed.data;
}

function checkPredicate(statement: Statement): void {
  const check = (schema: z.ZodType, what: string) => {
    const result = schema.safeParse(statement.predicate);
    if (!result.success) {
      const issue = firstIssue(result.error);
      const path = issue.path.replace(/^\$/, '$.predicate');
      throw new ProvenanceError(issue.code, `the predicate is not ${what} at ${path}: ${issue.message}`, { path });
    }
  };
  switch (statement.predicateType) {
    case PREDICATE.prov:
      try {
        parseProvDocument(statement.predicate);
      } catch (error) {
        if (!(error instanceof ProvenanceError) || error.path === undefined) throw error;
        const path = error.path.replace(/^\$/, '$.predicate');
        throw new ProvenanceError(error.code, `the PROV predicate is invalid at ${path}: ${error.message}`, { path, cause: error });
      }
      break;
    case PREDICATE.slsaProvenance:
      check(SlsaProvenanceV1, 'SLSA provenance v1');
      break;
    case PREDICATE.spdx:
      check(SpdxDocument, 'an SPDX 2.3 document');
      break;
    case PREDICATE.cyclonedx:
      check(CycloneDxBom, 'a CycloneDX 1.6 BOM');
      break;
  }
}
