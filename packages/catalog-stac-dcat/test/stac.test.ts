import { describe, expect, it } from 'vitest';
import { ALTERNATE_EXTENSION, DISTRIBUTION_EXTENSION, FILE_EXTENSION, patchStac, StacValidator } from '../src/index.ts';
import { COLLECTION, DISTRIBUTION_INPUT, distribution, ITEM, sha } from './fixtures.ts';

const validator = new StacValidator();
const REF = `oci://registry.example/data/parks@${sha('manifest')}`;

describe('patching a STAC Item', () => {
  it('points matched assets at the exact bytes, adds the distribution block, links and extensions, and keeps everything else', () => {
    const result = patchStac(ITEM, distribution(), { record: 'parks.json' });
    expect(result.matched).toEqual(['tiles', 'vectors']);
    expect(result.unmatched).toEqual(['thumbnail']);
    const item = JSON.parse(result.text);
    expect(item.assets.tiles).toEqual({ href: `${REF}#parks.pmtiles`, roles: ['data'], type: 'application/vnd.pmtiles', 'file:size': 4096, 'file:checksum': `1220${sha('tiles').slice(7)}` });
    expect(item.assets.thumbnail).toEqual({ href: 'https://files.example/thumb.png', type: 'image/png' });
    expect(item.properties['distribution:oci']).toMatchObject({
      registry: 'registry.example',
      repository: 'data/parks',
      tag: '2026',
      digest: sha('manifest'),
      referrers: { provenance: `oci://registry.example/data/parks@${sha('provenance')}` },
    });
    expect(item.properties['distribution:provenance_ref']).toBe(`oci://registry.example/data/parks@${sha('provenance')}`);
    expect(item.links.map((l: { rel: string }) => l.rel)).toEqual(['self', 'signature', 'provenance', 'sbom']);
    expect(item.stac_extensions).toEqual([FILE_EXTENSION, DISTRIBUTION_EXTENSION]);
    // Key order, unknown fields and the 4-space indentation are the record's own.
    expect(Object.keys(item)).toEqual(['type', 'stac_version', 'id', 'x-team', 'geometry', 'bbox', 'properties', 'links', 'assets', 'stac_extensions']);
    expect(result.text).toMatch(/^\{\n {4}"type": "Feature",\n/);
    expect(result.text.endsWith('}\n')).toBe(true);
    expect(validator.validate(item)).toEqual({ valid: true, issues: [], unchecked: [] });
  });

  it('matches a file pushed from a parent directory by its basename, unless two files share it', () => {
    const files = DISTRIBUTION_INPUT.files.map((f) => ({ ...f, name: `data/${f.name}` }));
    const nested = patchStac(ITEM, distribution({ files }), { record: 'parks.json' });
    expect(nested.matched).toEqual(['tiles', 'vectors']);
    expect(JSON.parse(nested.text).assets.tiles.href).toBe(`${REF}#data%2Fparks.pmtiles`);
    const twice = [...files, { ...(files[0] as (typeof files)[number]), name: 'other/parks.pmtiles', digest: sha('other') }];
    expect(patchStac(ITEM, distribution({ files: twice }), { record: 'parks.json' }).unmatched).toEqual(['tiles', 'thumbnail']);
  });

  it('is idempotent: patching the patched record gives the same bytes', () => {
    const once = patchStac(ITEM, distribution(), { record: 'parks.json', keepOriginalHref: true }).text;
    expect(patchStac(once, distribution(), { record: 'parks.json', keepOriginalHref: true }).text).toBe(once);
    const item = JSON.parse(once);
    expect(item.assets.tiles.alternate).toEqual({ original: { href: 'https://files.example/2026/parks.pmtiles' } });
    expect(item.stac_extensions).toContain(ALTERNATE_EXTENSION);
    expect(validator.validate(item).valid).toBe(true);
  });

  it('patches a Collection at its top level, and takes --asset overrides', () => {
    const result = patchStac(COLLECTION, distribution(), { record: 'collection.json', assets: { tiles: 'parks.pmtiles' } });
    const collection = JSON.parse(result.text);
    expect(collection.assets.tiles.href).toBe(`${REF}#parks.pmtiles`);
    expect(collection['distribution:oci'].digest).toBe(sha('manifest'));
    expect(validator.validate(collection)).toMatchObject({ valid: true });
  });

  it('writes a local layout as ocidir:// and says so in the record', () => {
    const local = distribution({ location: 'local', registry: '/srv/build/layout', repository: '' });
    const item = JSON.parse(patchStac(ITEM, local, { record: 'parks.json' }).text);
    expect(item.assets.tiles.href).toBe(`ocidir:///srv/build/layout@${sha('manifest')}#parks.pmtiles`);
    expect(item.properties['distribution:oci']).toMatchObject({ local: true });
  });

  it('keeps a restricted artifact out of the public record: the full patch goes to a restricted copy only', () => {
    const result = patchStac(ITEM, distribution({ sensitivity: 'restricted' }), { record: 'parks.json' });
    expect(result.text).not.toContain('oci://');
    const publicItem = JSON.parse(result.text);
    expect(publicItem.properties['distribution:oci']).toEqual({ redacted: true, sensitivity: 'restricted' });
    expect(publicItem.assets.tiles.href).toBe('https://files.example/2026/parks.pmtiles');
    expect(validator.validate(publicItem).valid).toBe(true);
    expect(JSON.parse(result.restricted ?? '{}').assets.tiles.href).toBe(`${REF}#parks.pmtiles`);
    // The record's own label counts too.
    const labelled = ITEM.replace('"title": "Parks"', '"title": "Parks", "dev.sealpack.sensitivity": "confidential"');
    expect(patchStac(labelled, distribution(), { record: 'parks.json' }).restricted).toBeDefined();
    // A record that claims less than its artifact is still redacted, under the artifact's label.
    const claimsPublic = ITEM.replace('"title": "Parks"', '"title": "Parks", "dev.sealpack.sensitivity": "public"');
    const stricter = JSON.parse(patchStac(claimsPublic, distribution({ sensitivity: 'confidential' }), { record: 'parks.json' }).text);
    expect(stricter.properties['distribution:oci']).toEqual({ redacted: true, sensitivity: 'confidential' });
    expect(validator.validate(stricter).valid).toBe(true);
  });

  it.each([
    ['a checksum that disagrees', ITEM.replace(`1220${sha('geojson').slice(7)}`, `1220${sha('other').slice(7)}`), {}, 'CHECKSUM_CONFLICT', '$.assets.vectors.file:checksum'],
    ['a size that disagrees', ITEM.replace('"roles": ["data"]', '"roles": ["data"], "file:size": 1'), {}, 'CHECKSUM_CONFLICT', '$.assets.tiles.file:size'],
    ['an md5 checksum', ITEM.replace(`1220${sha('geojson').slice(7)}`, `d50110${'ab'.repeat(16)}`), {}, 'INVALID_RECORD_DIGEST', '$.assets.vectors.file:checksum'],
    ['an override naming no file', ITEM, { assets: { tiles: 'absent.pmtiles' } }, 'UNKNOWN_FILE', '$.assets.tiles'],
    ['an override naming no asset', ITEM, { assets: { nothing: 'parks.pmtiles' } }, 'UNKNOWN_FILE', '$.assets.nothing'],
    ['a record that is not STAC', '{"type":"FeatureCollection","features":[]}', {}, 'NOT_STAC', '$.stac_version'],
    ['a STAC Catalog', '{"type":"Catalog","stac_version":"1.1.0"}', {}, 'NOT_STAC', '$.type'],
    ['invalid JSON', '{"type":', {}, 'RECORD_NOT_JSON', undefined],
    ['a type that is an object with a toString member (found by the fuzzer)', '{"type":{"toString":0},"stac_version":"1.1.0"}', {}, 'NOT_STAC', '$.type'],
  ])('refuses %s, naming the record and field', (_what, text, options, code, path) => {
    expect(() => patchStac(text, distribution(), { record: 'parks.json', ...options })).toThrow(expect.objectContaining({ code, record: 'parks.json', ...(path === undefined ? {} : { path }) }));
  });
});

describe('offline STAC validation', () => {
  it('reports each fault with its schema and path, and names the extensions it cannot check', () => {
    const item = JSON.parse(patchStac(ITEM, distribution(), { record: 'parks.json' }).text);
    item.assets.tiles['file:size'] = -1;
    item.properties['distribution:oci'].digest = 'sha256:nothex';
    item.stac_extensions.push('https://stac-extensions.github.io/eo/v1.1.0/schema.json');
    const result = validator.validate(item);
    expect(result.valid).toBe(false);
    expect(result.issues).toContainEqual(expect.objectContaining({ schema: FILE_EXTENSION, path: '$.assets.tiles.file:size' }));
    expect(result.issues).toContainEqual(expect.objectContaining({ schema: DISTRIBUTION_EXTENSION, path: '$.properties.distribution:oci.digest' }));
    expect(result.unchecked).toEqual(['https://stac-extensions.github.io/eo/v1.1.0/schema.json']);
    expect(validator.validate({ type: 'Feature' }).issues[0]?.message).toMatch(/no stac_version/);
    expect(validator.validate({ ...item, geometry: 'here' }).issues.some((i) => i.path === '$.geometry')).toBe(true);
  });
});
