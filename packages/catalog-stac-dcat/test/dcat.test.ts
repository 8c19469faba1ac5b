import jsonld from 'jsonld';
import { describe, expect, it } from 'vitest';
import { digestToMultihash, distributionJson, multihashToDigest, patchDcat, validateDcat } from '../src/index.ts';
import { DATASET, distribution, sha } from './fixtures.ts';

const fetched: string[] = [];
const noRemoteContexts = async (url: string): Promise<never> => {
  fetched.push(url);
  throw new Error(`remote context ${url}`);
};

describe('patching a DCAT 3 dataset', () => {
  it('adds a distribution per file, digest-pinned, that converts to RDF offline, and is idempotent', async () => {
    const patched = patchDcat(DATASET, distribution(), { record: 'parks.jsonld' }).text;
    expect(patchDcat(patched, distribution(), { record: 'parks.jsonld' }).text).toBe(patched);
    const dataset = JSON.parse(patched);
    expect(validateDcat(dataset)).toEqual([]);
    expect(dataset['dcat:keyword']).toEqual(['parks', 'green']);
    expect(dataset['dcat:distribution']).toHaveLength(2);
    const nquads = (await jsonld.toRDF(dataset, { format: 'application/n-quads', documentLoader: noRemoteContexts, safe: true } as jsonld.Options.ToRdf)) as unknown as string;
    expect(fetched).toEqual([]);
    expect(nquads).toContain(`<http://www.w3.org/ns/dcat#accessURL> <oci://registry.example/data/parks@${sha('manifest')}#parks.pmtiles>`);
    expect(nquads).toContain('<http://www.w3.org/ns/dcat#mediaType> <https://www.iana.org/assignments/media-types/application/vnd.pmtiles>');
    expect(nquads).toContain(`"${sha('tiles').slice(7)}"^^<http://www.w3.org/2001/XMLSchema#hexBinary>`);
    expect(nquads).toContain('<http://spdx.org/rdf/terms#algorithm> <http://spdx.org/rdf/terms#checksumAlgorithm_sha256>');
    expect(nquads).toContain('<http://purl.org/dc/terms/license> <https://spdx.org/licenses/CC-BY-4.0>');
    expect(nquads).toContain(`<http://www.w3.org/ns/prov#wasGeneratedBy> <oci://registry.example/data/parks@${sha('provenance')}>`);
    expect(nquads).toContain('<http://www.w3.org/ns/dcat#endpointURL> <https://registry.example/v2/>');
  });

  it('keeps a restricted artifact out of the public record', () => {
    const result = patchDcat(DATASET, distribution({ sensitivity: 'confidential' }), { record: 'parks.jsonld' });
    expect(result.text).not.toContain('oci://');
    expect(JSON.parse(result.text)['dct:accessRights']).toEqual({ '@id': 'http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC' });
    expect(result.restricted).toContain('oci://registry.example/data/parks@');
  });

  it('checks DCAT-AP 3 rules in code and refuses a record without a dataset', () => {
    const bad = {
      '@type': 'dcat:Dataset',
      'dcat:distribution': [
        { '@type': 'dcat:Distribution', 'dcat:mediaType': 'application/json', 'spdx:checksum': { 'spdx:algorithm': { '@id': 'spdx:checksumAlgorithm_md5' }, 'spdx:checksumValue': 'abc' } },
      ],
    };
    expect(validateDcat(bad).map((i) => i.path)).toEqual([
      '$.dct:title',
      '$.dct:description',
      '$.dcat:distribution[0].dcat:accessURL',
      '$.dcat:distribution[0].dcat:mediaType',
      '$.dcat:distribution[0].spdx:checksum.spdx:algorithm',
      '$.dcat:distribution[0].spdx:checksum.spdx:checksumValue',
    ]);
    expect(() => patchDcat('{"@type":"dcat:Catalog"}', distribution(), { record: 'x.jsonld' })).toThrow(expect.objectContaining({ code: 'NOT_DCAT', record: 'x.jsonld' }));
    expect(validateDcat([])).toEqual([{ path: '$', message: 'not a JSON-LD object' }]);
  });

  it('writes distribution.oci.json with the same facts', () => {
    const json = JSON.parse(distributionJson(distribution()));
    expect(json).toMatchObject({ ref: `oci://registry.example/data/parks@${sha('manifest')}`, oci: { files: [{ name: 'parks.pmtiles' }, { name: 'parks.geojson' }] } });
  });
});

describe('multihash', () => {
  it('converts sha256 to 1220… and back, and refuses other functions and lengths by name', () => {
    const digest = sha('x');
    expect(multihashToDigest(digestToMultihash(digest))).toBe(digest);
    expect(multihashToDigest(digestToMultihash(digest).toUpperCase())).toBe(digest);
    expect(() => multihashToDigest(`1340${'ab'.repeat(64)}`)).toThrow(/not sha2-256/);
    expect(() => multihashToDigest('1220abcd')).toThrow(/holds 2 bytes, not 32/);
    expect(() => multihashToDigest('zz')).toThrow(/not a hex multihash/);
    expect(() => digestToMultihash('sha512:ab')).toThrow(expect.objectContaining({ code: 'INVALID_RECORD_DIGEST' }));
  });
});
