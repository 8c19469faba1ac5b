import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withOneValueReplaced } from '@sealpack/test-registry';
import { CatalogError, patchDcat, patchStac, validateDcat } from '../src/index.ts';
import { DATASET, distribution, ITEM } from './fixtures.ts';

// A fixed seed keeps CI deterministic; FUZZ_SEED=<n> explores other cases (a failure prints its seed).
const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261204);

// The patcher fed mutated records: it patches, or refuses with a CatalogError naming the record,
// never anything else; and what it patches, patched again, gives the same bytes. 10,000 cases.
const RUNS = 5_000;

function mutated(text: string): fc.Arbitrary<string> {
  return fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 3 })).map(([seed, replacement]) => JSON.stringify(withOneValueReplaced(JSON.parse(text) as unknown, seed, replacement), null, seed % 3));
}

function patchedOrRefused(patch: (text: string) => string, text: string): void {
  let once: string;
  try {
    once = patch(text);
  } catch (error) {
    if (!(error instanceof CatalogError)) throw error;
    expect(error.record).toBe('fuzz.json');
    return;
  }
  expect(patch(once)).toBe(once);
}

describe('fuzzing the patchers (fast-check)', () => {
  it(`STAC: ${RUNS} mutated Items`, () => {
    fc.assert(
      fc.property(mutated(ITEM), (text) => patchedOrRefused((t) => patchStac(t, distribution(), { record: 'fuzz.json' }).text, text)),
      { numRuns: RUNS, seed: FUZZ_SEED },
    );
  });

  it(`DCAT: ${RUNS} mutated datasets`, () => {
    fc.assert(
      fc.property(mutated(DATASET), (text) => {
        patchedOrRefused((t) => patchDcat(t, distribution(), { record: 'fuzz.json' }).text, text);
        expect(Array.isArray(validateDcat(JSON.parse(text)))).toBe(true);
      }),
      { numRuns: RUNS, seed: FUZZ_SEED },
    );
  });
});
