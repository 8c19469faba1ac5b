import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalDigest, canonicalize, parseStrictJson } from '../src/index.ts';

// Input and expected output pairs: RFC 8785's own examples (3.2.2 values, 3.2.3 sorting) as the
// cyberphone/json-canonicalization test data (Apache-2.0) spells them, and Appendix B's numbers.
const PAIRS: Array<[string, string, string]> = [
  [
    'values (RFC 8785 3.2.2)',
    '{\n  "numbers": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001],\n  "escaping": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n  "literals": [null, true, false]\n}',
    '{"escaping":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/","literals":[null,true,false],"numbers":[1e+30,4.5,333333333.3333333,0.002,1e-27]}',
  ],
  [
    'sorting by UTF-16 code units (RFC 8785 3.2.3)',
    '{"\\u20ac":"Euro Sign","1":"One","\\u0080":"Control\\u007f","\\ud83d\\ude02":"Smiley","\\u00f6":"Latin Small Letter O With Diaeresis","\\ufb33":"Hebrew Letter Dalet With Dagesh","</script>":"Browser Challenge"}',
    '{"1":"One","</script>":"Browser Challenge","\u0080":"Control\u007f","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude02":"Smiley","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
  ],
  [
    'nested structures',
    '{\n  "1": {"f": {"f": "hi","F": 5} ,"\\n": 56.0},\n  "10": { },\n  "": "empty",\n  "a": { },\n  "111": [ { } ],\n  "A": { }\n}',
    '{"":"empty","1":{"\\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{}],"A":{},"a":{}}',
  ],
  [
    'no locale in the order',
    '{"peach":"This sorting order","p\u00e9ch\u00e9":"is wrong according to French","p\u00eache":"but canonicalization MUST","sin":"ingnore locale"}',
    '{"peach":"This sorting order","p\u00e9ch\u00e9":"is wrong according to French","p\u00eache":"but canonicalization MUST","sin":"ingnore locale"}',
  ],
];

// RFC 8785 Appendix B: IEEE 754 doubles (as hex) and their canonical text.
const NUMBERS: Array<[string, string]> = [
  ['0000000000000000', '0'],
  ['8000000000000000', '0'],
  ['0000000000000001', '5e-324'],
  ['8000000000000001', '-5e-324'],
  ['7fefffffffffffff', '1.7976931348623157e+308'],
  ['ffefffffffffffff', '-1.7976931348623157e+308'],
  ['4340000000000000', '9007199254740992'],
  ['c340000000000000', '-9007199254740992'],
  ['4430000000000000', '295147905179352830000'],
  ['44b52d02c7e14af5', '9.999999999999997e+22'],
  ['44b52d02c7e14af6', '1e+23'],
  ['44b52d02c7e14af7', '1.0000000000000001e+23'],
  ['444b1ae4d6e2ef4e', '999999999999999700000'],
  ['444b1ae4d6e2ef4f', '999999999999999900000'],
  ['444b1ae4d6e2ef50', '1e+21'],
  ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
  ['3eb0c6f7a0b5ed8d', '0.000001'],
  ['41b3de4355555553', '333333333.3333332'],
  ['41b3de4355555554', '333333333.33333325'],
  ['41b3de4355555555', '333333333.3333333'],
  ['41b3de4355555556', '333333333.3333334'],
  ['41b3de4355555557', '333333333.33333343'],
  ['becbf647612f3696', '-0.0000033333333333333333'],
  ['43143ff3c1cb0959', '1424953923781206.2'],
];

const double = (hex: string) => Buffer.from(hex, 'hex').readDoubleBE(0);

describe('RFC 8785 canonical JSON', () => {
  it.each(PAIRS)('%s', (_name, input, output) => {
    expect(canonicalize(parseStrictJson(input))).toBe(output);
  });

  it.each(NUMBERS)('the double %s is written %s (Appendix B)', (hex, text) => {
    expect(canonicalize(double(hex))).toBe(text);
  });

  it('refuses what is not I-JSON: NaN and infinities, lone surrogates, undefined in arrays, non-plain objects', () => {
    for (const hex of ['7fffffffffffffff', '7ff0000000000000', 'fff0000000000000'])
      expect(() => canonicalize([double(hex)])).toThrow(expect.objectContaining({ code: 'NOT_CANONICALIZABLE', path: '$[0]' }));
    expect(() => canonicalize({ a: '\ud800' })).toThrow(expect.objectContaining({ code: 'NOT_CANONICALIZABLE', path: '$.a' }));
    expect(() => canonicalize([1, undefined])).toThrow(expect.objectContaining({ path: '$[1]' }));
    expect(() => canonicalize({ when: new Date(0) })).toThrow(/a Date is not JSON data/);
    expect(() => canonicalize(10n)).toThrow(/a bigint is not JSON data/);
  });

  it('is independent of member order, and its digest is the sha256 of its UTF-8 bytes', () => {
    const a = { z: [3, { y: 'ü', x: null }], a: true, m: undefined };
    const b = { a: true, z: [3, { x: null, y: 'ü' }] };
    expect(canonicalize(a)).toBe(canonicalize(b));
    expect(canonicalize(a)).toBe('{"a":true,"z":[3,{"x":null,"y":"ü"}]}');
    expect(canonicalDigest(a)).toBe(
      `sha256:${createHash('sha256')
        .update(Buffer.from(canonicalize(b), 'utf8'))
        .digest('hex')}`,
    );
  });
});
