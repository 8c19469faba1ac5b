import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextLink } from './link-header.ts';
import { backoffDelay, DEFAULT_RETRY, isRetryableStatus, parseRetryAfter } from './retry.ts';
import { parseWwwAuthenticate } from './www-authenticate.ts';

describe('parseWwwAuthenticate', () => {
  it('reads a distribution Bearer challenge with quoted parameters', () => {
    expect(parseWwwAuthenticate('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' } },
    ]);
  });

  it('reads Basic, token68, escaped quotes and several challenges in one header', () => {
    expect(parseWwwAuthenticate('Basic realm="Registry Realm"')).toEqual([{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
    expect(parseWwwAuthenticate('Negotiate abc123==')).toEqual([{ scheme: 'negotiate', params: {}, token68: 'abc123==' }]);
    expect(parseWwwAuthenticate('Bearer realm="a\\"b", error=invalid_token')).toEqual([{ scheme: 'bearer', params: { realm: 'a"b', error: 'invalid_token' } }]);
    expect(parseWwwAuthenticate('Basic realm="x", Bearer realm="https://t/token",service=s')).toEqual([
      { scheme: 'basic', params: { realm: 'x' } },
      { scheme: 'bearer', params: { realm: 'https://t/token', service: 's' } },
    ]);
  });

  it('yields nothing (rather than throwing) for empty or garbage input', () => {
    expect(parseWwwAuthenticate('')).toEqual([]);
    expect(parseWwwAuthenticate(',,, ,')).toEqual([]);
  });

  it('round-trips generated challenges and never throws on arbitrary input', () => {
    const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
    const value = fc.string({ maxLength: 20 }).filter((s) => !s.includes('\\'));
    fc.assert(
      fc.property(token, fc.dictionary(token, value, { minKeys: 1, maxKeys: 4 }), (scheme, params) => {
        const header = `${scheme} ${Object.entries(params)
          .map(([k, v]) => `${k}="${v.replace(/"/g, '\\"')}"`)
          .join(', ')}`;
        const parsed = parseWwwAuthenticate(header);
        expect(parsed[0]?.scheme).toBe(scheme);
        expect(parsed[0]?.params).toEqual(params);
      }),
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        // Whatever comes in, what comes out is well-formed: a one-word scheme and string parameters.
        for (const challenge of parseWwwAuthenticate(s)) {
          expect(challenge.scheme).toMatch(/^\S+$/);
          for (const value of Object.values(challenge.params)) expect(typeof value).toBe('string');
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('nextLink', () => {
  it('resolves the rel="next" target against the request URL', () => {
    expect(nextLink('</v2/a/tags/list?n=2&last=b>; rel="next"', 'http://r:5000/v2/a/tags/list')).toBe('http://r:5000/v2/a/tags/list?n=2&last=b');
    expect(nextLink('<https://o.example/p2>; rel=next', 'http://r/x')).toBe('https://o.example/p2');
    expect(nextLink('</p0>; rel="prev", </p2>; rel="next"', 'http://r/x')).toBe('http://r/p2');
  });

  it('is undefined without a next link and never throws on arbitrary input', () => {
    expect(nextLink(undefined, 'http://r/')).toBeUndefined();
    expect(nextLink('</p0>; rel="prev"', 'http://r/')).toBeUndefined();
    fc.assert(
      fc.property(fc.string(), (s) => {
        const result = nextLink(s, 'http://r/');
        // A next link, when one is found, is an absolute URL, and only a header saying "next" has one.
        if (result !== undefined) {
          expect(() => new URL(result)).not.toThrow();
          expect(s.toLowerCase()).toContain('next');
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('retry policy', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('backs off exponentially within the cap and retries only transient statuses', () => {
    expect(backoffDelay(DEFAULT_RETRY, 1, () => 0)).toBe(100);
    expect(backoffDelay(DEFAULT_RETRY, 3, () => 1)).toBe(800);
    expect(backoffDelay(DEFAULT_RETRY, 30, () => 1)).toBe(DEFAULT_RETRY.maxDelayMs);
    expect([429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404].some(isRetryableStatus)).toBe(false);
  });
});
