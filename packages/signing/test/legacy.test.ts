import { execFile } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueRepository } from '@sealpack/test-registry';
import { bytesSource, openTarget, packLayers, parseManifest, parseReference, pushPacked, sha256Of, type Descriptor, type Target } from '@sealpack/oci-client';
import { attestManifest, keylessSigner, keySigner, PREDICATE_TYPES, signManifest, trustMaterialFromJSON, verifyAttached, witnessesFor } from '../src/index.ts';
import { appendLegacyLayer, legacyTag, MEDIA_TYPE_DSSE_ENVELOPE, MEDIA_TYPE_SIMPLE_SIGNING } from '../src/legacy.ts';
import { oidcToken, startSigstoreStandIns, type SigstoreStandIns } from './fixtures/sigstore-stand-ins.ts';

const run = promisify(execFile);
const registries = inject('registries');
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });

let services: SigstoreStandIns;
beforeAll(async () => {
  services = await startSigstoreStandIns();
});
afterAll(async () => {
  await services?.stop();
});

async function pushArtifact(target: Target, text: string): Promise<Descriptor> {
  const bytes = new TextEncoder().encode(text);
  const artifact = packLayers([{ descriptor: { mediaType: 'text/plain', digest: sha256Of(bytes), size: bytes.byteLength }, source: bytesSource(bytes) }], { created: null });
  await pushPacked(target, artifact, { tag: 'v1' });
  return artifact.descriptor;
}

async function layersUnder(target: Target, tag: string) {
  const descriptor = await target.resolve(tag);
  const parsed = parseManifest(await target.fetchManifest(descriptor), descriptor.mediaType);
  if (parsed.kind !== 'manifest') throw new Error('not a manifest');
  return parsed.manifest;
}

async function blob(target: Target, descriptor: Descriptor): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await target.fetch(descriptor)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * What cosign v2 `sign --key --tlog-upload=false` leaves, made here by hand from the spec (not by
 * sealpack's signer): a simple-signing payload, its ECDSA P-256 SHA-256 signature in the layer's
 * annotation, under the subject's `.sig` tag.
 */
async function signLikeCosignV2(target: Target, subject: Descriptor, key: typeof privateKey, digestInPayload = subject.digest): Promise<void> {
  const payload = Buffer.from(
    `{"critical":{"identity":{"docker-reference":"registry.example/data/parks"},"image":{"docker-manifest-digest":"${digestInPayload}"},"type":"cosign container image signature"},"optional":null}`,
  );
  await appendLegacyLayer(target, subject, 'sig', { bytes: payload, annotations: { 'dev.cosignproject.cosign/signature': sign('sha256', payload, key).toString('base64') } });
}

describe('cosign v2 legacy tags (sha256-<hex>.sig / .att)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sealpack-legacy-'));
  const remote = `${registries.anonymous.host}/${uniqueRepository()}`;
  for (const [where, target, skopeoName] of [
    ['an OCI layout', openTarget(parseReference(`ocidir://${join(dir, 'lay')}`)), undefined],
    ['the real registry', openTarget(parseReference(remote)), remote],
  ] as const) {
    it(`verifies a signature cosign v2 left, and refuses one for another digest or by another key (${where})`, async () => {
      const subject = await pushArtifact(target, `signed by an older cosign in ${where}`);
      const elsewhere = await pushArtifact(target, `another artifact in ${where}`);
      await signLikeCosignV2(target, subject, privateKey);
      await signLikeCosignV2(target, subject, privateKey, elsewhere.digest);
      await signLikeCosignV2(target, subject, other.privateKey);

      const verdicts = await verifyAttached(target, subject, { publicKey, ignoreTlog: true });
      expect(verdicts.map((v) => v.legacyTag)).toEqual(Array(3).fill(legacyTag(subject, 'sig')));
      expect(verdicts.map((v) => (v.valid ? 'valid' : v.reason))).toEqual([
        'valid',
        expect.stringMatching(/signed payload is about another artifact.*SUBJECT_MISMATCH/),
        expect.stringMatching(/does not verify.*SIGNATURE_INVALID/),
      ]);
      // No tag, no legacy signatures; and the tag of one subject says nothing of another.
      expect(await verifyAttached(target, elsewhere, { publicKey, ignoreTlog: true })).toEqual([]);
    });

    it(`writes --legacy-tags as cosign v2 reads them, beside the v3 referrers (${where})`, async () => {
      const subject = await pushArtifact(target, `for cosign v2 consumers in ${where}`);
      const signer = keySigner(privateKey);
      const first = await signManifest(target, subject, { signer, subjectName: 'registry.example/data/parks', legacyTags: true });
      await signManifest(target, subject, { signer, subjectName: 'registry.example/data/parks', legacyTags: true });
      await attestManifest(target, subject, {
        signer,
        subjectName: 'registry.example/data/parks',
        predicateType: PREDICATE_TYPES.spdx as string,
        predicate: Buffer.from('{"spdxVersion":"SPDX-2.3"}'),
        legacyTags: true,
      });

      // The .sig manifest: one simple-signing layer per signature, each signature over its payload
      // as cosign v2 checks it (ECDSA P-256, SHA-256), and the image config's diff_ids.
      const sig = await layersUnder(target, legacyTag(subject, 'sig'));
      expect(first.legacy?.digest).toBeDefined();
      expect(sig.layers.map((l) => l.mediaType)).toEqual([MEDIA_TYPE_SIMPLE_SIGNING, MEDIA_TYPE_SIMPLE_SIGNING]);
      for (const layer of sig.layers) {
        const payload = await blob(target, layer);
        expect(JSON.parse(payload.toString())).toEqual({
          critical: { identity: { 'docker-reference': 'registry.example/data/parks' }, image: { 'docker-manifest-digest': subject.digest }, type: 'cosign container image signature' },
          optional: null,
        });
        expect(verify('sha256', payload, publicKey, Buffer.from(layer.annotations?.['dev.cosignproject.cosign/signature'] ?? '', 'base64'))).toBe(true);
      }
      const config = JSON.parse((await blob(target, sig.config)).toString()) as { rootfs: { diff_ids: string[] } };
      expect(config.rootfs.diff_ids).toEqual(sig.layers.map((l) => l.digest));
      // The .att manifest: the DSSE envelope as the layer, its predicate type annotated.
      const att = await layersUnder(target, legacyTag(subject, 'att'));
      expect(att.layers).toMatchObject([{ mediaType: MEDIA_TYPE_DSSE_ENVELOPE, annotations: { 'dev.cosignproject.cosign/signature': '', predicateType: PREDICATE_TYPES.spdx } }]);

      const signatures = await verifyAttached(target, subject, { publicKey, ignoreTlog: true });
      expect(signatures.map((v) => [v.valid, v.legacyTag ?? 'referrer'])).toEqual([
        [true, 'referrer'],
        [true, 'referrer'],
        [true, legacyTag(subject, 'sig')],
        [true, legacyTag(subject, 'sig')],
      ]);
      const attestations = await verifyAttached(target, subject, { publicKey, ignoreTlog: true, predicateType: PREDICATE_TYPES.spdx as string });
      expect(attestations.map((v) => [v.valid, v.legacyTag ?? 'referrer', v.predicate])).toEqual([
        [true, 'referrer', { spdxVersion: 'SPDX-2.3' }],
        [true, legacyTag(subject, 'att'), { spdxVersion: 'SPDX-2.3' }],
      ]);
      if (skopeoName !== undefined) {
        // The peer client reads the tag as any image manifest.
        const raw = (await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${skopeoName}:${legacyTag(subject, 'sig')}`])).stdout;
        expect(sha256Of(raw)).toBe((await target.resolve(legacyTag(subject, 'sig'))).digest);
      }
    });
  }

  it('keyless: the .sig payload gets its own certificate and hashedrekord entry, verified by identity through the signed entry timestamp', async () => {
    const target = openTarget(parseReference(`ocidir://${join(dir, 'keyless')}`));
    const subject = await pushArtifact(target, 'keyless for cosign v2');
    const signer = keylessSigner({ fulcioURL: services.fulcioURL, identityToken: async () => oidcToken({ iss: 'https://issuer.example', sub: 'ci@example.org' }) });
    const witnesses = witnessesFor({ rekorURL: services.rekorURL });
    await signManifest(target, subject, { signer, subjectName: 'data/parks', witnesses, legacyTags: true });
    await attestManifest(target, subject, { signer, subjectName: 'data/parks', witnesses, predicateType: PREDICATE_TYPES.prov as string, predicate: Buffer.from('{"@graph":[]}'), legacyTags: true });
    const [layer] = (await layersUnder(target, legacyTag(subject, 'sig'))).layers;
    expect(layer?.annotations?.['dev.sigstore.cosign/certificate']).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    const rekorBundle = JSON.parse(layer?.annotations?.['dev.sigstore.cosign/bundle'] ?? '{}') as { Payload?: { body: string } };
    expect(JSON.parse(Buffer.from(rekorBundle.Payload?.body ?? '', 'base64').toString())).toMatchObject({ kind: 'hashedrekord' });

    const trustMaterial = trustMaterialFromJSON(services.trustedRoot);
    const policy = { identity: 'ci@example.org', issuer: 'https://issuer.example', trustMaterial };
    const signatures = await verifyAttached(target, subject, policy);
    expect(signatures.map((v) => [v.valid, v.legacyTag === undefined ? 'referrer' : 'legacy', v.identity])).toEqual([
      [true, 'referrer', 'ci@example.org'],
      [true, 'legacy', 'ci@example.org'],
    ]);
    expect(signatures[1]?.tlogIndex).toMatch(/^\d+$/);
    const attested = await verifyAttached(target, subject, { ...policy, predicateType: PREDICATE_TYPES.prov as string });
    expect(attested.map((v) => v.valid)).toEqual([true, true]);
    expect((await verifyAttached(target, subject, { ...policy, identity: 'someone@example.org' })).some((v) => v.valid)).toBe(false);
  });

  it('refuses legacy tags it cannot write faithfully', async () => {
    const target = openTarget(parseReference(`ocidir://${join(dir, 'refused')}`));
    const subject = await pushArtifact(target, 'too big for an .att tag');
    const signer = keySigner(privateKey);
    await expect(
      attestManifest(target, subject, { signer, subjectName: 'x', predicateType: 'https://example.org/p', predicate: Buffer.from('{"big":true}'), detachThreshold: 4, legacyTags: true }),
    ).rejects.toMatchObject({ code: 'LEGACY_UNSUPPORTED' });
    await expect(signManifest(target, subject, { signer, subjectName: 'x', predicateType: 'https://example.org/p', legacyTags: true })).rejects.toMatchObject({ code: 'LEGACY_UNSUPPORTED' });
    expect(createPublicKey(privateKey).asymmetricKeyType).toBe('ec');
  });
});
