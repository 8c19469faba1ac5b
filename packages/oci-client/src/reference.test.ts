import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OciError } from './errors.ts';
import {
  formatReference,
  isLoopbackRegistry,
  isValidRepository,
  isValidTag,
  parseReference,
  pinnedReference,
  referenceSelector,
  registryApiHost,
  registryScheme,
  type Reference,
} from './reference.ts';

const D = `sha256:${'a'.repeat(64)}` as const;

describe('parseReference', () => {
  it.each<[string, Reference]>([
    ['oci://127.0.0.1:5000/data/parks:v1', { kind: 'registry', registry: '127.0.0.1:5000', repository: 'data/parks', tag: 'v1' }],
    ['localhost:5000/parks', { kind: 'registry', registry: 'localhost:5000', repository: 'parks' }],
    ['localhost/parks:latest', { kind: 'registry', registry: 'localhost', repository: 'parks', tag: 'latest' }],
    [`ghcr.io/org/set/tiles@${D}`, { kind: 'registry', registry: 'ghcr.io', repository: 'org/set/tiles', digest: D }],
    [`ghcr.io/org/tiles:v2@${D}`, { kind: 'registry', registry: 'ghcr.io', repository: 'org/tiles', tag: 'v2', digest: D }],
    ['alpine', { kind: 'registry', registry: 'docker.io', repository: 'library/alpine' }],
    ['alpine:3.20', { kind: 'registry', registry: 'docker.io', repository: 'library/alpine', tag: '3.20' }],
    ['user/app', { kind: 'registry', registry: 'docker.io', repository: 'user/app' }],
    ['index.docker.io/library/alpine', { kind: 'registry', registry: 'docker.io', repository: 'library/alpine' }],
    ['registry-1.docker.io/alpine', { kind: 'registry', registry: 'docker.io', repository: 'library/alpine' }],
    ['[::1]:5000/x', { kind: 'registry', registry: '[::1]:5000', repository: 'x' }],
    ['reg.example:443/a__b/c-d.e_f:T_a.g-1', { kind: 'registry', registry: 'reg.example:443', repository: 'a__b/c-d.e_f', tag: 'T_a.g-1' }],
    ['ocidir://./out', { kind: 'layout', path: './out' }],
    ['ocidir:///tmp/lay:v1', { kind: 'layout', path: '/tmp/lay', tag: 'v1' }],
    [`ocidir://lay@${D}`, { kind: 'layout', path: 'lay', digest: D }],
    ['ocidir://dir/with:colon/x', { kind: 'layout', path: 'dir/with:colon/x' }],
  ])('%s', (input, expected) => {
    expect(parseReference(input)).toEqual(expected);
  });

  it.each([
    '',
    ' localhost/x',
    'Localhost:5000/UPPER',
    'localhost:5000/x:',
    'localhost:5000/x:-bad',
    `localhost:5000/x:${'t'.repeat(129)}`,
    'localhost:5000/x@sha256:abc',
    'localhost:5000/x@md5:' + 'a'.repeat(32),
    'localhost:99999/x',
    'localhost:5000/a//b',
    'localhost:5000/a/',
    'localhost:5000/-a',
    'https://localhost:5000/x',
    // A host with no repository is refused, never sent to Docker Hub as `library/127.0.0.1`.
    '127.0.0.1:5000',
    'oci://127.0.0.1:5000',
    'localhost:5000',
    'localhost',
    'registry.example.com',
    'registry.example.com:v1',
    'ocidir://',
    'ocidir://:tag',
    `localhost:5000/${'a'.repeat(256)}`,
  ])('refuses %j with INVALID_REFERENCE', (input) => {
    expect(() => parseReference(input)).toThrow(expect.objectContaining({ code: 'INVALID_REFERENCE' }));
  });

  it('prints references in the oci:// and ocidir:// forms and pins digests without the tag', () => {
    const ref = parseReference('127.0.0.1:5000/data/parks:v1');
    expect(formatReference(ref)).toBe('oci://127.0.0.1:5000/data/parks:v1');
    expect(pinnedReference(ref, D)).toBe(`oci://127.0.0.1:5000/data/parks@${D}`);
    expect(pinnedReference(parseReference('ocidir://out:v1'), D)).toBe(`ocidir://out@${D}`);
  });

  it('selects the digest over the tag, and knows loopback and Docker Hub hosts', () => {
    expect(referenceSelector(parseReference(`localhost/x:v1@${D}`))).toBe(D);
    expect(referenceSelector(parseReference('localhost/x:v1'))).toBe('v1');
    expect(referenceSelector(parseReference('localhost/x'))).toBeUndefined();
    expect(isLoopbackRegistry('127.0.0.1:5000')).toBe(true);
    expect(isLoopbackRegistry('127.8.9.1')).toBe(true);
    expect(isLoopbackRegistry('localhost')).toBe(true);
    expect(isLoopbackRegistry('[::1]:5000')).toBe(true);
    expect(isLoopbackRegistry('ghcr.io')).toBe(false);
    expect(isLoopbackRegistry('127.0.0.1.example.com')).toBe(false);
    expect(registryApiHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryApiHost('ghcr.io')).toBe('ghcr.io');
  });
});

const component = fc.stringMatching(/^[a-z0-9]+(?:[._-][a-z0-9]+)?$/).filter((s) => s.length <= 30);
const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/);
const hex = fc.stringMatching(/^[a-f0-9]{64}$/);
const host = fc
  .tuple(fc.constantFrom('localhost', '127.0.0.1', 'registry.example.org', 'reg-1.internal'), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }))
  .map(([h, port]) => (port === undefined ? h : `${h}:${port}`));

describe('reference properties', () => {
  it('format then parse gives back the same reference', () => {
    fc.assert(
      fc.property(host, fc.array(component, { minLength: 1, maxLength: 4 }), fc.option(tag, { nil: undefined }), fc.option(hex, { nil: undefined }), (registry, parts, t, h) => {
        const ref: Reference = { kind: 'registry', registry, repository: parts.join('/'), ...(t === undefined ? {} : { tag: t }), ...(h === undefined ? {} : { digest: `sha256:${h}` as const }) };
        expect(parseReference(formatReference(ref))).toEqual(ref);
      }),
    );
  });

  it('any string either parses or fails with a typed INVALID_REFERENCE, never anything else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `oci://${s}`),
          fc.string().map((s) => `localhost:5000/${s}`),
          fc.string().map((s) => `ocidir://${s}`),
        ),
        (input) => {
          try {
            const ref = parseReference(input);
            // What parses is a valid reference that prints and parses back to itself.
            expect(parseReference(formatReference(ref))).toEqual(ref);
            if (ref.kind === 'registry') expect(isValidRepository(ref.repository)).toBe(true);
            else expect(ref.path.length).toBeGreaterThan(0);
            if (ref.tag !== undefined) expect(isValidTag(ref.tag)).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(OciError);
            expect((error as OciError).code).toBe('INVALID_REFERENCE');
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

it('says what is missing when a registry host names no repository', () => {
  expect(() => parseReference('127.0.0.1:5000')).toThrow(/'127\.0\.0\.1:5000' names a registry host but no repository \(add \/REPO/);
});

describe('registryScheme (CLI.md "References")', () => {
  it.each<[string, Parameters<typeof registryScheme>[1], 'http' | 'https']>([
    ['127.0.0.1:5000', {}, 'http'],
    ['localhost:5000', {}, 'http'],
    ['registry.example', {}, 'https'],
    // Asking for TLS settings on loopback asks for TLS: they would be dropped silently over HTTP.
    ['127.0.0.1:5000', { ca: 'PEM' }, 'https'],
    ['localhost', { insecure: true }, 'https'],
    ['127.0.0.1:5000', { plainHttp: false }, 'https'],
    // An explicit choice wins over everything else.
    ['registry.example', { plainHttp: true }, 'http'],
    ['127.0.0.1:5000', { plainHttp: true, ca: 'PEM' }, 'http'],
  ])('%s with %o speaks %s', (registry, options, scheme) => {
    expect(registryScheme(registry, options)).toBe(scheme);
  });
});
