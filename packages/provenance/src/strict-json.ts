import { ProvenanceError } from './errors.ts';

/** Limits on a document read from outside: its size in UTF-16 code units and its nesting. */
export interface JsonLimits {
  maxLength?: number;
  maxDepth?: number;
}

export const DEFAULT_JSON_LIMITS = { maxLength: 16 * 1024 * 1024, maxDepth: 64 } as const;

/**
 * JSON.parse as RFC 8259 defines it, but strict where JSON.parse is lenient and safe where it is
 * not: a duplicate member name is an error (RFC 8259 4 leaves it undefined; I-JSON, RFC 7493 2.3,
 * forbids it, and JSON.parse silently keeps the last), strings must be well-formed Unicode (I-JSON
 * 2.1: no lone surrogates), and size and depth are bounded so that a hostile document costs a
 * typed error, not a stack overflow. `__proto__` is kept as an ordinary member.
 */
export function parseStrictJson(text: string, limits: JsonLimits = {}): unknown {
  const maxLength = limits.maxLength ?? DEFAULT_JSON_LIMITS.maxLength;
  const maxDepth = limits.maxDepth ?? DEFAULT_JSON_LIMITS.maxDepth;
  if (text.length > maxLength) throw new ProvenanceError('TOO_LARGE', `the document is ${text.length} characters, over the limit of ${maxLength}`);
  const parser = new Parser(text, maxDepth);
  parser.skipSpace();
  const value = parser.value('$', 0);
  parser.skipSpace();
  if (parser.at < text.length) parser.fail('unexpected text after the document');
  return value;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Parser {
  at = 0;
  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  fail(what: string, path?: string): never {
    throw new ProvenanceError('INVALID_JSON', `not JSON: ${what} at character ${this.at}`, path === undefined ? {} : { path });
  }

  skipSpace(): void {
    while (this.at < this.text.length) {
      const c = this.text.charCodeAt(this.at);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.at++;
    }
  }

  value(path: string, depth: number): unknown {
    const c = this.text[this.at];
    if (c === '{' || c === '[') {
      if (depth >= this.maxDepth) throw new ProvenanceError('TOO_DEEP', `the document nests deeper than ${this.maxDepth} levels`, { path });
      return c === '{' ? this.object(path, depth + 1) : this.array(path, depth + 1);
    }
    if (c === '"') return this.string(path);
    if (this.text.startsWith('true', this.at)) return this.literal(4, true);
    if (this.text.startsWith('false', this.at)) return this.literal(5, false);
    if (this.text.startsWith('null', this.at)) return this.literal(4, null);
    NUMBER.lastIndex = this.at;
    const match = NUMBER.exec(this.text);
    if (match === null) this.fail(c === undefined ? 'the document ends early' : `unexpected ${JSON.stringify(c)}`, path);
    this.at += match[0].length;
    const n = Number(match[0]);
    // I-JSON 2.2: a number beyond IEEE 754 double range does not interoperate.
    if (!Number.isFinite(n)) this.fail(`the number ${match[0]} is out of range`, path);
    return n;
  }

  private literal<T>(length: number, value: T): T {
    this.at += length;
    return value;
  }

  private object(path: string, depth: number): Record<string, unknown> {
    this.at++; // {
    const result: Record<string, unknown> = {};
    const seen = new Set<string>();
    this.skipSpace();
    if (this.text[this.at] === '}') {
      this.at++;
      return result;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] !== '"') this.fail('expected a member name', path);
      const key = this.string(path);
      const memberPath = `${path}.${key}`;
      if (seen.has(key)) throw new ProvenanceError('DUPLICATE_KEY', `the member ${JSON.stringify(key)} appears twice in one object`, { path: memberPath });
      seen.add(key);
      this.skipSpace();
      if (this.text[this.at] !== ':') this.fail('expected ":"', memberPath);
      this.at++;
      this.skipSpace();
      // defineProperty: an own "__proto__" member, never the object's prototype.
      Object.defineProperty(result, key, { value: this.value(memberPath, depth), enumerable: true, writable: true, configurable: true });
      this.skipSpace();
      const next = this.text[this.at++];
      if (next === '}') return result;
      if (next !== ',') this.fail('expected "," or "}"', path);
    }
  }

  private array(path: string, depth: number): unknown[] {
    this.at++; // [
    const result: unknown[] = [];
    this.skipSpace();
    if (this.text[this.at] === ']') {
      this.at++;
      return result;
    }
    for (;;) {
      this.skipSpace();
      result.push(this.value(`${path}[${result.length}]`, depth));
      this.skipSpace();
      const next = this.text[this.at++];
      if (next === ']') return result;
      if (next !== ',') this.fail('expected "," or "]"', path);
    }
  }

  private string(path: string): string {
    this.at++; // opening quote
    let out = '';
    let start = this.at;
    for (;;) {
      if (this.at >= this.text.length) this.fail('a string is not closed', path);
      const c = this.text.charCodeAt(this.at);
      if (c === 0x22) break;
      if (c < 0x20) this.fail('a control character inside a string', path);
      if (c !== 0x5c) {
        this.at++;
        continue;
      }
      out += this.text.slice(start, this.at);
      const escaped = this.text[this.at + 1] ?? '';
      if (escaped === 'u') {
        const hex = this.text.slice(this.at + 2, this.at + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('a bad \\u escape', path);
        out += String.fromCharCode(Number.parseInt(hex, 16));
        this.at += 6;
      } else {
        const decoded = ESCAPES[escaped];
        if (decoded === undefined) this.fail(`a bad escape \\${escaped}`, path);
        out += decoded;
        this.at += 2;
      }
      start = this.at;
    }
    out += this.text.slice(start, this.at);
    this.at++; // closing quote
    if (!out.isWellFormed()) throw new ProvenanceError('INVALID_JSON', 'a string holds a lone surrogate (not Unicode text)', { path });
    return out;
  }
}
