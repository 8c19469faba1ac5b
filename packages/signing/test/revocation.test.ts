import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { uniqueRepository } from '@sealpack/test-registry';
import { bytesSource, openTarget, packLayers, parseManifest, parseReference, pushPacked, sha256Of, type Descriptor, type Target } from '@sealpack/oci-client';
import { attachBundle, attestManifest, keySigner, MEDIA_TYPE_SIGSTORE_BUNDLE_V03, signManifest, verifyArtifact, verifyAttachedByType } from '../src/index.ts';
import { PREDICATE } from '@sealpack/provenance';

const COSIGN_SIGN_PREDICATE_TYPE = PREDICATE.cosignSign;
const REVOCATION_PREDICATE_TYPE = PREDICATE.revocation;

const registries = inject('registries');
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const policy = { publicKey, ignoreTlog: true };
const now = () => new Date('2026-12-01T00:00:00Z');

async function pushArtifact(target: Target, text: string): Promise<Descriptor> {
  const bytes = new TextEncoder().encode(text);
  const artifact = packLayers([{ descriptor: { mediaType: 'text/plain', digest: sha256Of(bytes), size: bytes.byteLength }, source: bytesSource(bytes) }], { created: null });
  await pushPacked(target, artifact, { tag: 'v1' });
  return artifact.descriptor;
}

/** A revocation's bundle bytes, signed with the real key, made in a scratch layout that holds the same subject. */
async function revocationBundle(text: string): Promise<Uint8Array> {
  const scratch = openTarget(parseReference(`ocidir://${await mkdtemp(join(tmpdir(), 'sealpack-revoke-scratch-'))}`));
  const subject = await pushArtifact(scratch, text);
  const { referrer } = await attestManifest(scratch, subject, {
    signer: keySigner(privateKey),
    subjectName: 'data/parks',
    predicateType: REVOCATION_PREDICATE_TYPE,
    predicate: new TextEncoder().encode(JSON.stringify({ reason: 'wrong coordinates', revokedAt: '2026-12-01T00:00:00Z' })),
    now,
  });
  const parsed = parseManifest(await scratch.fetchManifest(referrer), referrer.mediaType);
  const layer = parsed.kind === 'manifest' ? parsed.manifest.layers[0] : undefined;
  if (layer === undefined) throw new Error('the scratch revocation has no layer');
  const chunks: Buffer[] = [];
  for await (const chunk of await scratch.fetch(layer)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The same signed revocation in a referrer of its own, with no predicate-type annotation at all. */
async function attachWithoutAnnotation(target: Target, subject: Descriptor, bundle: Uint8Array): Promise<void> {
  const empty = new TextEncoder().encode('{}');
  const config = { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256Of(empty), size: empty.byteLength };
  const layer = { mediaType: MEDIA_TYPE_SIGSTORE_BUNDLE_V03, digest: sha256Of(bundle), size: bundle.byteLength };
  const manifest = {
    schemaVersion: 2 as const,
    mediaType: 'application/vnd.oci.image.manifest.v1+json' as const,
    artifactType: 'application/vnd.example.innocent',
    config,
    layers: [layer],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
  };
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
  await pushPacked(target, {
    manifest,
    manifestBytes,
    descriptor: { mediaType: manifest.mediaType, digest: sha256Of(manifestBytes), size: manifestBytes.byteLength, artifactType: manifest.artifactType },
    config: { descriptor: config, source: bytesSource(empty) },
    layers: [{ descriptor: layer, source: bytesSource(bundle) }],
  });
}

describe('a revocation is found by its signed predicate type, never by an annotation', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sealpack-revoke-'));
  const stores: Array<[string, () => Target]> = [
    ['an OCI layout', () => openTarget(parseReference(`ocidir://${join(dir, uniqueRepository().replaceAll('/', '-'))}`))],
    ['the real registry (tag-schema fallback)', () => openTarget(parseReference(`${registries.anonymous.host}/${uniqueRepository()}`))],
  ];
  for (const [where, open] of stores) {
    it(`re-wrapped with a false annotation or none, verifyArtifact still refuses it (${where})`, async () => {
      const text = `withdrawn deliverable in ${where}`;
      const bundle = await revocationBundle(text);
      for (const wrap of ['a signature annotation', 'no annotation'] as const) {
        const target = open();
        const subject = await pushArtifact(target, text);
        await signManifest(target, subject, { signer: keySigner(privateKey), subjectName: 'data/parks', now });
        // Before the revocation, the artifact verifies.
        await expect(verifyArtifact(target, subject, policy)).resolves.toMatchObject({ signatures: [{ valid: true }] });
        if (wrap === 'a signature annotation') await attachBundle(target, subject, bundle, { predicateType: COSIGN_SIGN_PREDICATE_TYPE, created: now() });
        else await attachWithoutAnnotation(target, subject, bundle);
        await expect(verifyArtifact(target, subject, policy)).rejects.toMatchObject({ code: 'REVOKED', message: expect.stringContaining('wrong coordinates') });
        const byType = await verifyAttachedByType(target, subject, policy, [COSIGN_SIGN_PREDICATE_TYPE, REVOCATION_PREDICATE_TYPE]);
        expect(byType.get(REVOCATION_PREDICATE_TYPE)).toMatchObject([{ valid: true, predicateType: REVOCATION_PREDICATE_TYPE }]);
        // The signature list holds the real signature only: the lying referrer is not counted as one.
        expect(byType.get(COSIGN_SIGN_PREDICATE_TYPE)?.filter((v) => v.valid)).toHaveLength(1);
      }
    });
  }

  it('an unsigned artifact is NO_SIGNATURES, with each verdict on the error', async () => {
    const target = stores[0]?.[1]() as Target;
    const subject = await pushArtifact(target, 'never signed');
    await expect(verifyArtifact(target, subject, policy)).rejects.toMatchObject({ code: 'NO_SIGNATURES', verdicts: [] });
  });
});
