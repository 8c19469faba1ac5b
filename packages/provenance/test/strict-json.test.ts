import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseStrictJson } from '../src/index.ts';

// A fixed seed keeps CI deterministic; FUZZ_SEED=<n> explores other cases (a failure prints its seed).
const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261204);

describe('strict JSON', () => {
  it('reads what JSON.parse reads, for any JSON text without repeated member names (2,000 cases)', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'medium' }), (text) => {
        expect(parseStrictJson(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 2_000, seed: FUZZ_SEED },
    );
  });

  it('refuses a member name twice in one object, naming where', () => {
    expect(() => parseStrictJson('{"a":{"b":1,"b":2}}')).toThrow(expect.objectContaining({ code: 'DUPLICATE_KEY', path: '$.a.b' }));
  });

  it('bounds depth and size, so a hostile document is an error and not a stack overflow', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(() => parseStrictJson(deep)).toThrow(expect.objectContaining({ code: 'TOO_DEEP' }));
    expect(() => parseStrictJson('[[[1]]]', { maxDepth: 2 })).toThrow(expect.objectContaining({ code: 'TOO_DEEP', path: '$[0][0]' }));
    expect(parseStrictJson('[[1]]', { maxDepth: 2 })).toEqual([[1]]);
    expect(() => parseStrictJson(`"${'x'.repeat(100)}"`, { maxLength: 50 })).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }));
  });

  it('keeps "__proto__" as a member, never as the prototype', () => {
    const value = parseStrictJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['trailing text', '{} {}'],
    ['a trailing comma', '[1,]'],
    ['a raw control character', '"a\u0001b"'],
    ['a bad escape', '"\\x41"'],
    ['a lone surrogate', '"\\ud800"'],
    ['a number out of range', '1e400'],
    ['a leading zero', '01'],
    ['an unclosed string', '"abc'],
    ['nothing', ''],
    ['single quotes', "{'a':1}"],
  ])('refuses %s', (_what, text) => {
    expect(() => parseStrictJson(text)).toThrow(expect.objectContaining({ code: 'INVALID_JSON' }));
  });
});
