import { createHash } from 'node:crypto';
import { ProvenanceError } from './errors.ts';

/**
 * The RFC 8785 JSON Canonicalization Scheme form of a JSON value: no whitespace, object members
 * sorted by the UTF-16 code units of their names (3.2.3), strings and numbers serialized as
 * ECMAScript's JSON.stringify does (3.2.2: that is the definition), and only I-JSON data
 * (RFC 7493): finite numbers, well-formed strings, plain objects and arrays. Object members whose
 * value is `undefined` are left out, as JSON.stringify leaves them out; anything else that JSON
 * cannot say is an error rather than a silent guess.
 */
export function canonicalize(value: unknown): string {
  return serialize(value, '$');
}

/** The sha256 of a value's canonical form, as `sha256:<hex>`: a digest any machine reproduces. */
export function canonicalDigest(value: unknown): `sha256:${string}` {
  return `sha256:${createHash('sha256').update(canonicalize(value), 'utf8').digest('hex')}`;
}

function serialize(value: unknown, path: string): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ProvenanceError('NOT_CANONICALIZABLE', `${value} is not a JSON number (RFC 8785 3.2.2.3)`, { path });
    return JSON.stringify(value); // -0 becomes 0, as 3.2.2.3 asks
  }
  if (typeof value === 'string') {
    if (!value.isWellFormed()) throw new ProvenanceError('NOT_CANONICALIZABLE', 'a string holds a lone surrogate (RFC 8785 3.2.2.2)', { path });
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item, i) => (item === undefined ? fail(`${path}[${i}]`, 'undefined') : serialize(item, `${path}[${i}]`))).join(',')}]`;
  }
  if (typeof value === 'object' && isPlainObject(value)) {
    // Array.prototype.sort compares strings by UTF-16 code units: exactly 3.2.3's order.
    const names = Object.keys(value)
      .filter((name) => (value as Record<string, unknown>)[name] !== undefined)
      .sort();
    return `{${names.map((name) => `${JSON.stringify(name)}:${serialize((value as Record<string, unknown>)[name], `${path}.${name}`)}`).join(',')}}`;
  }
  return fail(path, typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value);
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function fail(path: string, what: string): never {
  throw new ProvenanceError('NOT_CANONICALIZABLE', `a ${what} is not JSON data`, { path });
}
