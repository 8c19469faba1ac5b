import { z } from 'zod';
import { ProvenanceError } from './errors.ts';
import { Sha256Hex } from './fields.ts';
import { parseProvDocument } from './prov/parse.ts';
import { type JsonLimits, parseStrictJson } from './strict-json.ts';
import { firstIssue } from './zod-issues.ts';

export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';

/**
 * The predicate types this package builds and reads. PROV is ours: a PROV-O JSON-LD document
 * (see `buildProvDocument`) as the predicate, versioned in its URI.
 */
export const PREDICATE = {
  prov: 'https://sealpack.dev/attestation/prov/v1',
  slsaProvenance: 'https://slsa.dev/provenance/v1',
  spdx: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
} as const;

// in-toto attestation spec v1, Statement layer (spec/v1/statement.md) and ResourceDescriptor.
const Subject = z.looseObject({ name: z.string(), digest: z.looseObject({ sha256: Sha256Hex }) });
const StatementSchema = z.strictObject({
  _type: z.literal(IN_TOTO_STATEMENT_V1),
  subject: z.array(Subject).min(1),
  predicateType: z.url(),
  predicate: z.record(z.string(), z.unknown()),
});

export type Statement = z.infer<typeof StatementSchema>;

// The parts of each known predicate this package relies on; the rest is kept as written.
const SlsaProvenanceV1 = z.looseObject({
  buildDefinition: z.looseObject({ buildType: z.url(), externalParameters: z.record(z.string(), z.unknown()) }),
  runDetails: z.looseObject({ builder: z.looseObject({ id: z.url() }) }),
});
const SpdxDocument = z.looseObject({ spdxVersion: z.string().regex(/^SPDX-2\.3$/), SPDXID: z.literal('SPDXRef-DOCUMENT') });
const CycloneDxBom = z.looseObject({ bomFormat: z.literal('CycloneDX'), specVersion: z.literal('1.6') });

/** A statement about `subjects` (name and sha256 hex), with a predicate checked when its type is known. */
export function buildStatement(subjects: ReadonlyArray<{ name: string; sha256: string }>, predicateType: string, predicate: Record<string, unknown>): Statement {
  return validateStatement({ _type: IN_TOTO_STATEMENT_V1, subject: subjects.map((s) => ({ name: s.name, digest: { sha256: s.sha256 } })), predicateType, predicate });
}

/** Reads an in-toto Statement v1 (strict JSON), and its predicate when its type is one of `PREDICATE`. */
export function parseStatement(text: string, limits?: JsonLimits): Statement {
  return validateStatement(parseStrictJson(text, limits));
}

function validateStatement(value: unknown): Statement {
  const parsed = StatementSchema.safeParse(value);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error);
    throw new ProvenanceError(issue.code, `not an in-toto Statement v1 at ${issue.path}: ${issue.message}`, { path: issue.path });
  }
  const statement = parsed.data;
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
  return statement;
}
