import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withOneValueReplaced } from '@sealpack/test-registry';
import { buildProvDocument, buildRunManifest, parseProvDocument, parseRunManifest, parseStatement, parseStrictJson, ProvenanceError, serializeRunManifest } from '../src/index.ts';

// A fixed seed keeps CI deterministic; FUZZ_SEED=<n> explores other cases (a failure prints its seed).
const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261204);

// Every reader, fed hostile input: it returns or throws a ProvenanceError that names a code,
// never a TypeError, a RangeError (stack overflow) or anything else. 12,000 cases in all.
const RUNS = 3_000;
const hex = 'a'.repeat(64);

function onlyTypedErrors(read: () => unknown): void {
  try {
    read();
  } catch (error) {
    if (!(error instanceof ProvenanceError)) throw error;
    expect(error.code).toMatch(/^[A-Z_]+$/);
  }
}

/** Text that is JSON-shaped but often broken: fragments of JSON, escapes, brackets, surrogates. */
const jsonish = fc
  .array(
    fc.oneof(fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', '\\u', 'd800', 'true', 'null', '1e999', '-0', ' ', '"@id"', '"@graph"', '"used"', '"__proto__"'), fc.string({ maxLength: 4 })),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

/** A valid document with one value somewhere replaced by anything. */
function mutated(document: unknown): fc.Arbitrary<unknown> {
  return fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 3 })).map(([seed, replacement]) => withOneValueReplaced(document, seed, replacement));
}

const prov = buildProvDocument({
  runId: 'r1',
  startedAt: '2026-12-04T10:00:00Z',
  endedAt: '2026-12-04T10:01:00Z',
  inputs: [{ file: 'a.geojson', sha256: hex }],
  outputs: [{ ref: `oci://r.example/x@sha256:${hex}`, mediaType: 'application/geo+json', size: 1 }],
  toolchain: [{ name: 'sealpack', version: '0.1.0' }],
});
const manifest = buildRunManifest({
  runId: 'r1',
  startedAt: '2026-12-04T10:00:00Z',
  endedAt: '2026-12-04T10:01:00Z',
  inputs: [{ name: 'a', sha256: hex }],
  outputs: [{ name: 'b', sha256: hex, size: 1 }],
  parameters: {},
  toolchain: [{ name: 'sealpack', version: '0.1.0' }],
  environment: { os: 'linux', arch: 'x64', node: 'v24' },
});

describe('fuzzing the readers (fast-check)', () => {
  it(`strict JSON: ${RUNS} JSON-shaped texts`, () => {
    fc.assert(
      fc.property(jsonish, (text) => onlyTypedErrors(() => parseStrictJson(text, { maxDepth: 16 }))),
      { numRuns: RUNS, seed: FUZZ_SEED },
    );
  });

  it(`PROV documents: ${RUNS} mutations of a valid one`, () => {
    fc.assert(
      fc.property(mutated(prov), (document) => onlyTypedErrors(() => parseProvDocument(JSON.stringify(document)))),
      { numRuns: RUNS, seed: FUZZ_SEED },
    );
  });

  it(`run manifests: ${RUNS} mutations of a valid one`, () => {
    expect(parseRunManifest(serializeRunManifest(manifest))).toEqual(manifest);
    fc.assert(
      fc.property(mutated(manifest), (document) => onlyTypedErrors(() => parseRunManifest(JSON.stringify(document)))),
      { numRuns: RUNS, seed: FUZZ_SEED },
    );
  });

  it(`in-toto statements: ${RUNS} mutations of one with a PROV predicate`, () => {
    const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'x', digest: { sha256: hex } }], predicateType: 'https://sealpack.dev/attestation/prov/v1', predicate: prov };
    fc.assert(
      fc.property(mutated(statement), (document) => onlyTypedErrors(() => parseStatement(JSON.stringify(document)))),
      { numRuns: RUNS, seed: FUZZ_SEED },
    );
  });
});
