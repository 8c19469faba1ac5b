import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDigest } from './digest.ts';
import { OciError } from './errors.ts';
import { MEDIA_TYPE_IMAGE_INDEX, MEDIA_TYPE_IMAGE_MANIFEST } from './media-types.ts';
import { childDescriptors, parseManifest, sniffManifestMediaType } from './schemas.ts';

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const desc = { mediaType: 'application/octet-stream', digest: `sha256:${'b'.repeat(64)}`, size: 3 };

describe('parseManifest', () => {
  it('accepts an image manifest and keeps fields it does not know', () => {
    const parsed = parseManifest(enc({ schemaVersion: 2, mediaType: MEDIA_TYPE_IMAGE_MANIFEST, config: desc, layers: [desc], 'x-future': { a: 1 } }), MEDIA_TYPE_IMAGE_MANIFEST);
    expect(parsed.kind).toBe('manifest');
    expect((parsed.manifest as Record<string, unknown>)['x-future']).toEqual({ a: 1 });
    expect(childDescriptors(parsed)).toHaveLength(2);
  });

  it('accepts an image index', () => {
    const parsed = parseManifest(enc({ schemaVersion: 2, manifests: [{ ...desc, mediaType: MEDIA_TYPE_IMAGE_MANIFEST }] }), MEDIA_TYPE_IMAGE_INDEX);
    expect(parsed.kind).toBe('index');
    expect(childDescriptors(parsed)).toHaveLength(1);
  });

  it.each([
    ['not JSON', new TextEncoder().encode('{oops'), MEDIA_TYPE_IMAGE_MANIFEST, 'INVALID_MANIFEST'],
    ['invalid UTF-8', new Uint8Array([0xff, 0xfe]), MEDIA_TYPE_IMAGE_MANIFEST, 'INVALID_MANIFEST'],
    ['wrong schemaVersion', enc({ schemaVersion: 1, config: desc, layers: [] }), MEDIA_TYPE_IMAGE_MANIFEST, 'INVALID_MANIFEST'],
    ['bad digest', enc({ schemaVersion: 2, config: { ...desc, digest: 'sha256:xyz' }, layers: [] }), MEDIA_TYPE_IMAGE_MANIFEST, 'INVALID_MANIFEST'],
    ['negative size', enc({ schemaVersion: 2, config: { ...desc, size: -1 }, layers: [] }), MEDIA_TYPE_IMAGE_MANIFEST, 'INVALID_MANIFEST'],
    ['body says another media type', enc({ schemaVersion: 2, mediaType: MEDIA_TYPE_IMAGE_INDEX, manifests: [] }), MEDIA_TYPE_IMAGE_MANIFEST, 'INVALID_MANIFEST'],
    ['unknown media type', enc({ schemaVersion: 2 }), 'application/vnd.example.thing+json', 'UNSUPPORTED_MEDIA_TYPE'],
  ])('refuses %s', (_name, bytes, mediaType, code) => {
    expect(() => parseManifest(bytes, mediaType)).toThrow(expect.objectContaining({ code }));
  });

  it('sniffs the media type from the body when the transport gave none', () => {
    expect(sniffManifestMediaType(enc({ schemaVersion: 2, manifests: [] }))).toBe(MEDIA_TYPE_IMAGE_INDEX);
    expect(sniffManifestMediaType(enc({ schemaVersion: 2, config: desc, layers: [] }))).toBe(MEDIA_TYPE_IMAGE_MANIFEST);
    expect(() => sniffManifestMediaType(enc({ hello: 1 }))).toThrow(OciError);
    expect(() => sniffManifestMediaType(enc(7))).toThrow(OciError);
  });

  it('any JSON either parses or fails with a typed error, for both manifest kinds', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(MEDIA_TYPE_IMAGE_MANIFEST, MEDIA_TYPE_IMAGE_INDEX), (value, mediaType) => {
        try {
          const parsed = parseManifest(enc(value), mediaType);
          // What parses is of the kind asked for, says no other media type, and every descriptor
          // it points at carries a well-formed digest and a size.
          expect(parsed.kind).toBe(mediaType === MEDIA_TYPE_IMAGE_INDEX ? 'index' : 'manifest');
          const inner = (value as { mediaType?: unknown }).mediaType;
          expect(inner === undefined || inner === mediaType).toBe(true);
          for (const child of childDescriptors(parsed)) {
            expect(isDigest(child.digest)).toBe(true);
            expect(Number.isInteger(child.size) && child.size >= 0).toBe(true);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(OciError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a well-formed image manifest parses exactly when its own mediaType agrees with the one it was served as', () => {
    const hex = fc.stringMatching(/^[a-f0-9]{64}$/);
    const descriptor = fc.record({ mediaType: fc.constantFrom('application/octet-stream', 'text/plain', 'application/vnd.oci.empty.v1+json'), digest: hex.map((h) => `sha256:${h}`), size: fc.nat() });
    const inner = fc.constantFrom(undefined, MEDIA_TYPE_IMAGE_MANIFEST, MEDIA_TYPE_IMAGE_INDEX, 'application/json');
    fc.assert(
      fc.property(descriptor, fc.array(descriptor, { maxLength: 5 }), inner, (config, layers, mediaType) => {
        const bytes = enc({ schemaVersion: 2, ...(mediaType === undefined ? {} : { mediaType }), config, layers });
        const agrees = mediaType === undefined || mediaType === MEDIA_TYPE_IMAGE_MANIFEST;
        if (agrees) {
          const parsed = parseManifest(bytes, MEDIA_TYPE_IMAGE_MANIFEST);
          expect(childDescriptors(parsed).map((d) => d.digest)).toEqual([config.digest, ...layers.map((l) => l.digest)]);
        } else {
          expect(() => parseManifest(bytes, MEDIA_TYPE_IMAGE_MANIFEST)).toThrow(/served as/);
        }
      }),
      { numRuns: 500 },
    );
  });
});
