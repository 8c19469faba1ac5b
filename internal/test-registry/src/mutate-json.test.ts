import { describe, expect, it } from 'vitest';
import { withOneValueReplaced } from './mutate-json.ts';

describe('withOneValueReplaced', () => {
  it('replaces exactly one value, chosen by the seed among members and items, in a copy', () => {
    const document = { a: 1, b: [2, { c: 3 }] };
    const seen = new Set<string>();
    for (let seed = 0; seed < 5; seed++) {
      const copy = withOneValueReplaced(document, seed, 'X');
      seen.add(JSON.stringify(copy));
      expect(JSON.stringify(copy).split('"X"')).toHaveLength(2);
    }
    // Five places: a, b, b[0], b[1], b[1].c.
    expect(seen.size).toBe(5);
    expect(document).toEqual({ a: 1, b: [2, { c: 3 }] });
    expect(withOneValueReplaced(7, 3, 'X')).toBe('X');
  });
});
