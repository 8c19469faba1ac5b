import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { uniqueRepository } from '@sealpack/test-registry';
import { bytesSource, copyGraph, MEDIA_TYPE_IMAGE_INDEX, openTarget, parseReference, type Reference, sha256Of, type Target } from '@sealpack/oci-client';
import { parsePolicy } from '@sealpack/policy';
import { keySigner } from '@sealpack/signing';
import { verifyArtifact } from '@sealpack/signing/verify';
import { type CatalogRecord, checkPublishInputs, publish, type PublishEvent, type PublishOptions } from '../src/index.ts';

const registries = inject('registries');
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const verifyPolicy = { publicKey, ignoreTlog: true };
const HEAD = 'apiVersion: sealpack.dev/policy/v1\nkind: Policy\nmetadata: { name: gate }\n';
const OPEN = parsePolicy(`${HEAD}rules:\n  - { id: signed, type: signatures }\n  - { id: license, type: license, allow: [CC-BY-4.0] }\ndestinations:\n  public: ['**']\n`, 'gate.yaml');
const ITEM = `${JSON.stringify({ type: 'Feature', stac_version: '1.1.0', id: 'parks', geometry: null, properties: { datetime: '2026-06-01T00:00:00Z' }, links: [], assets: { data: { href: './parks.geojson' } } }, null, 2)}\n`;
const DATASET = JSON.stringify({
  '@context': { dcat: 'http://www.w3.org/ns/dcat#', dct: 'http://purl.org/dc/terms/' },
  '@id': 'https://catalog.example/parks',
  '@type': 'dcat:Dataset',
  'dct:title': 'Parks',
  'dct:description': 'City parks',
});
const CATALOGS: CatalogRecord[] = [
  { name: 'parks.stac.json', kind: 'stac', text: ITEM },
  { name: 'parks.dcat.jsonld', kind: 'dcat', text: DATASET },
];

async function fixture(where: 'layout' | 'registry'): Promise<{ target: Target; reference: Reference; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'sealpack-lifecycle-publish-'));
  const file = join(dir, 'parks.geojson');
  await writeFile(file, `{"type":"FeatureCollection","features":[],"where":"${where}"}\n`);
  const reference = parseReference(where === 'layout' ? `ocidir://${join(dir, 'lay')}:2026` : `${registries.anonymous.host}/${uniqueRepository()}:2026`);
  return { target: openTarget(reference), reference, file };
}

function options(target: Target, reference: Reference, file: string, change: Partial<PublishOptions> = {}): PublishOptions {
  return {
    target,
    reference,
    files: [{ path: file, title: 'parks.geojson', mediaType: 'application/geo+json' }],
    artifactType: 'application/vnd.sealpack.dataset.v1',
    annotations: { 'org.opencontainers.image.licenses': 'CC-BY-4.0', 'dev.sealpack.sensitivity': 'public' },
    created: new Date('2026-06-01T00:00:00Z'),
    signer: keySigner(privateKey),
    verifyPolicy,
    policy: OPEN,
    tool: { name: 'sealpack-test', version: '1' },
    catalogs: CATALOGS,
    ...change,
  };
}

describe('publish, the library function', () => {
  for (const where of ['layout', 'registry'] as const) {
    it(`in ${where === 'layout' ? 'an OCI layout' : 'the real registry'}: pushed untagged, signed, attested, judged, then tagged and catalogued; a re-run adds nothing`, async () => {
      const { target, reference, file } = await fixture(where);
      const events: PublishEvent['stage'][] = [];
      const first = await publish(options(target, reference, file, { onEvent: (e) => events.push(e.stage) }));
      // The order that leaves nothing pullable by name before the judge: the tag comes after it.
      expect(events.filter((s) => s !== 'push')).toEqual(['pushed', 'signed', 'attested', 'attested', 'judged', 'tagged']);
      expect(first).toMatchObject({ allow: true, tagged: true, reasons: [] });
      expect((await target.resolve('2026')).digest).toBe(first.subject.digest);
      await expect(verifyArtifact(target, first.subject, verifyPolicy)).resolves.toMatchObject({ signatures: [{ valid: true }] });
      expect(first.catalogs.map((c) => [c.name, c.kind])).toEqual([
        ['parks.stac.json', 'stac'],
        ['parks.dcat.jsonld', 'dcat'],
        ['distribution.oci.json', 'distribution'],
      ]);
      expect(first.catalogs[0]?.text).toContain(first.subject.digest);
      const referrers = (await target.referrers(first.subject)).length;

      const again = await publish(options(target, reference, file));
      expect(again.subject.digest).toBe(first.subject.digest);
      expect((await target.referrers(first.subject)).length).toBe(referrers);
      expect(again.evidence.prov).toEqual(first.evidence.prov);
    });
  }

  it.each(['layout', 'registry'] as const)('a deny leaves no tag, deletes what this run made, and patches no catalog (%s)', async (where) => {
    const { target, reference, file } = await fixture(where);
    const events: PublishEvent['stage'][] = [];
    const denied = await publish(
      options(target, reference, file, { annotations: { 'org.opencontainers.image.licenses': 'GPL-3.0-only', 'dev.sealpack.sensitivity': 'public' }, onEvent: (e) => events.push(e.stage) }),
    );
    expect(events).not.toContain('tagged');
    expect(denied).toMatchObject({ allow: false, tagged: false, catalogs: [], untagged: { subject: denied.subject.digest, deleted: true } });
    expect(denied.untagged?.referrers).toHaveLength(3);
    expect(denied.reasons).toEqual([expect.stringMatching(/^license: GPL-3\.0-only is not within the allowed licenses/)]);
    await expect(target.resolve('2026')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(target.fetchManifest(denied.subject)).rejects.toBeDefined();
    // No emptied tag-schema referrers index is left behind on a registry without the referrers API.
    expect((await target.tags().catch(() => [])).filter((t) => t.startsWith('sha256-'))).toEqual([]);
  });

  it('a deny never deletes a digest that something older names: a tag from an earlier publish keeps it', async () => {
    const { target, reference, file } = await fixture('layout');
    const allowed = await publish(options(target, reference, file));
    // The same bytes again, now under a policy that denies them: the earlier release stays whole.
    const stricter = parsePolicy(`${HEAD}rules:\n  - { id: signed, type: signatures, minimum: 2 }\n`, 'strict.yaml');
    const denied = await publish(options(target, { ...reference, tag: 'next' } as Reference, file, { policy: stricter }));
    expect(denied).toMatchObject({ allow: false, untagged: { deleted: false } });
    expect((await target.resolve('2026')).digest).toBe(allowed.subject.digest);
    await expect(target.resolve('next')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(verifyArtifact(target, allowed.subject, verifyPolicy)).resolves.toBeDefined();
  });

  it('a deny never deletes a manifest a tagged index lists', async () => {
    const first = await fixture('layout');
    const allowed = await publish(options(first.target, first.reference, first.file));
    // Elsewhere, the same release by digest, named only by a tagged index that lists it.
    const { target, reference } = await fixture('layout');
    await copyGraph(first.target, target, allowed.subject.digest, {});
    const index = new TextEncoder().encode(
      JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_IMAGE_INDEX, manifests: [{ mediaType: allowed.subject.mediaType, digest: allowed.subject.digest, size: allowed.subject.size }] }),
    );
    await target.push({ mediaType: MEDIA_TYPE_IMAGE_INDEX, digest: sha256Of(index), size: index.byteLength }, bytesSource(index), { tag: 'bundle' });
    const stricter = parsePolicy(`${HEAD}rules:\n  - { id: signed, type: signatures, minimum: 2 }\n`, 'strict.yaml');
    const denied = await publish(options(target, reference, first.file, { policy: stricter }));
    expect(denied.subject.digest).toBe(allowed.subject.digest);
    expect(denied).toMatchObject({ allow: false, untagged: { deleted: false } });
    await expect(target.fetchManifest(allowed.subject)).resolves.toBeDefined();
  });

  it('reads the labels of what it was derived from before anything is pushed', async () => {
    const { target, reference, file } = await fixture('layout');
    const source = await fixture('layout');
    const restricted = await publish(
      options(source.target, source.reference, source.file, {
        annotations: { 'dev.sealpack.sensitivity': 'restricted' },
        policy: parsePolicy(`${HEAD}rules:\n  - { id: signed, type: signatures }\ndestinations:\n  restricted: ['**']\n`, 'vault.yaml'),
      }),
    );
    const derivedFrom = [{ ref: restricted.pinned, sha256: restricted.subject.digest.slice(7), size: restricted.subject.size }];
    const openInput = async () => source.target;
    // A public destination: refused before a byte leaves, whether the input is read or cannot be.
    for (const change of [{ openInput }, {}]) {
      await expect(publish(options(target, reference, file, { derivedFrom, ...change }))).rejects.toMatchObject({ code: 'DESTINATION_DENIED', message: expect.stringMatching(/nothing was pushed/) });
    }
    await expect(target.tags()).rejects.toBeDefined();
    // A run that declares a declassification, under a policy that trusts a declassifier, is left to the judge.
    const trusting = parsePolicy(
      `${HEAD}rules:\n  - { id: signed, type: signatures }\n  - { id: inherits, type: sensitivityInheritance, declassifiers: [{ keyId: nobody }] }\ndestinations:\n  public: ['**']\n`,
      'trusting.yaml',
    );
    const judged = await publish(options(target, reference, file, { derivedFrom, openInput, policy: trusting, parameters: { declassification: 'generalised' } }));
    expect(judged).toMatchObject({ allow: false, tagged: false });
    expect(judged.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/^inherits: labelled public, lower than its inputs/)]));
  });

  it('checks every local input before a byte leaves', async () => {
    const { reference } = await fixture('layout');
    const base = { annotations: { 'dev.sealpack.sensitivity': 'public' }, reference, policy: OPEN };
    expect(() => checkPublishInputs({ ...base, annotations: { 'org.opencontainers.image.licenses': 'not a licence' } })).toThrow(/is not an SPDX license expression/);
    expect(() => checkPublishInputs({ ...base, catalogs: [{ name: 'x.stac.json', kind: 'stac', text: '{' }] })).toThrow(expect.objectContaining({ code: 'RECORD_NOT_JSON' }));
    expect(() => checkPublishInputs({ ...base, catalogs: [{ name: 'x.stac.json', kind: 'stac', text: '{"stac_version":"1.1.0","type":"Feature"}' }] })).toThrow(
      /x\.stac\.json is not a valid STAC 1\.1 record/,
    );
    expect(() => checkPublishInputs({ ...base, catalogs: [{ name: 'x.jsonld', kind: 'dcat', text: '[]' }] })).toThrow(/x\.jsonld is not a valid DCAT 3 record/);
    expect(() => checkPublishInputs({ ...base, annotations: { 'dev.sealpack.sensitivity': 'secret' } })).toThrow(expect.objectContaining({ code: 'INVALID_LABEL' }));
    // Without a policy, the default keeps restricted data home.
    expect(() => checkPublishInputs({ reference, annotations: { 'dev.sealpack.sensitivity': 'restricted' } })).toThrow(expect.objectContaining({ code: 'DESTINATION_DENIED' }));
    expect(() => checkPublishInputs({ reference, annotations: {} })).not.toThrow();
  });
});
