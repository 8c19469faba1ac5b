import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { beforeAll, describe, expect, it } from 'vitest';
import { cyclonedxBom, hashFile, type HashedFile, spdxDocument, validateSpdxDocument } from '../src/index.ts';

let dir: string;
let files: HashedFile[];
const options = { name: 'registry.example/data/parks', license: 'CC-BY-4.0 OR ODbL-1.0', created: '2026-12-04T10:00:00Z', tool: 'sealpack@0.1.0' };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sealpack-sbom-'));
  await writeFile(join(dir, 'parks.geojson'), '{"type":"FeatureCollection","features":[]}');
  await writeFile(join(dir, 'parks.pmtiles'), Buffer.alloc(300_000, 3));
  files = [await hashFile(join(dir, 'parks.pmtiles')), await hashFile(join(dir, 'parks.geojson'), 'vectors/parks.geojson')];
});

describe('SBOMs for the files of an artifact', () => {
  it('hashes each file in one pass: size, sha256 and sha1', async () => {
    const content = Buffer.alloc(300_000, 3);
    expect(files[0]).toEqual({ name: 'parks.pmtiles', size: 300_000, sha256: createHash('sha256').update(content).digest('hex'), sha1: createHash('sha1').update(content).digest('hex') });
    await expect(hashFile(join(dir, 'missing.bin'))).rejects.toMatchObject({ code: 'UNREADABLE_FILE', message: expect.stringMatching(/ENOENT/) });
  });

  it('CycloneDX 1.6: valid against the bundled schema, one file component each with SHA-256 and license, reproducible', async () => {
    const json = cyclonedxBom(files, options);
    const errors = await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(json);
    expect(errors).toBeNull();
    const bom = JSON.parse(json) as {
      specVersion: string;
      serialNumber: string;
      components: Array<{ type: string; name: string; hashes: Array<{ alg: string; content: string }>; licenses: unknown[] }>;
    };
    expect(bom.specVersion).toBe('1.6');
    expect(bom.components.map((c) => [c.type, c.name])).toEqual([
      ['file', 'parks.pmtiles'],
      ['file', 'vectors/parks.geojson'],
    ]);
    expect(bom.components[0]?.hashes).toContainEqual({ alg: 'SHA-256', content: files[0]?.sha256 });
    expect(bom.components[0]?.licenses).toEqual([{ expression: 'CC-BY-4.0 OR ODbL-1.0' }]);
    expect(cyclonedxBom([...files].reverse(), options)).toBe(json);
    expect(cyclonedxBom(files.slice(1), options)).not.toBe(json);
    // The schema check can fail: a BOM with a broken hash is refused by the same validator.
    const broken = json.replace(`"${files[0]?.sha256}"`, '"not-a-hash"');
    expect(await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(broken)).not.toBeNull();
  });

  it('SPDX 2.3: files with SHA1 and SHA256, the package verification code, relationships, reproducible', () => {
    const document = spdxDocument(files, options);
    expect(validateSpdxDocument(JSON.parse(JSON.stringify(document)))).toEqual(document);
    expect(document.files.map((f) => f.fileName)).toEqual(['./parks.pmtiles', './vectors/parks.geojson']);
    expect(document.files[1]?.checksums).toEqual([
      { algorithm: 'SHA1', checksumValue: files[1]?.sha1 },
      { algorithm: 'SHA256', checksumValue: files[1]?.sha256 },
    ]);
    // SPDX 2.3 7.9.4: sha1 of the sorted file sha1s, concatenated.
    const code = createHash('sha1')
      .update(
        files
          .map((f) => f.sha1)
          .sort()
          .join(''),
      )
      .digest('hex');
    expect(document.packages[0]?.packageVerificationCode.packageVerificationCodeValue).toBe(code);
    expect(document.relationships).toContainEqual({ spdxElementId: 'SPDXRef-Package', relationshipType: 'CONTAINS', relatedSpdxElement: 'SPDXRef-File-2' });
    expect(spdxDocument([...files].reverse(), options)).toEqual(document);
    expect(spdxDocument(files, { ...options, name: 'other' }).documentNamespace).not.toBe(document.documentNamespace);
  });

  it('refuses a license that is not an SPDX expression, and a document missing what 2.3 requires', () => {
    expect(() => spdxDocument(files, { ...options, license: 'my own licence' })).toThrow(/not an SPDX license expression/);
    expect(() => cyclonedxBom(files, { ...options, license: 'GPL-2.0+ ANDOR MIT' })).toThrow(/not an SPDX license expression/);
    const document = spdxDocument(files, { ...options, license: 'NOASSERTION' }) as unknown as { files: Array<{ checksums: unknown[] }> };
    const withoutSha1 = structuredClone(document);
    (withoutSha1.files[0] as { checksums: unknown[] }).checksums = [{ algorithm: 'SHA256', checksumValue: files[0]?.sha256 }];
    expect(() => validateSpdxDocument(withoutSha1)).toThrow(expect.objectContaining({ path: '$.files[0].checksums', message: expect.stringMatching(/SHA1 checksum/) }));
    expect(() => validateSpdxDocument({ ...document, creationInfo: { created: '2026-12-04 10:00', creators: ['Tool: x'] } })).toThrow(expect.objectContaining({ code: 'INVALID_TIMESTAMP' }));
  });
});
