import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleToJSON } from '@sigstore/bundle';
import { MessageSignatureBundleBuilder } from '@sigstore/sign';
import { describe, expect, inject, it } from 'vitest';
import { uniqueRepository } from '@sealpack/test-registry';
import { bytesSource, discoverReferrers, openTarget, packLayers, parseReference, pushPacked, sha256Of, type Descriptor, type Target } from '@sealpack/oci-client';
import { attachBundle, keySigner, MEDIA_TYPE_SIGSTORE_BUNDLE_V03, signManifest, verifyAttached } from '../src/index.ts';

const registries = inject('registries');
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const now = () => new Date('2026-11-29T12:00:00.123Z');

async function pushArtifact(target: Target, text: string): Promise<Descriptor> {
  const bytes = new TextEncoder().encode(text);
  const artifact = packLayers([{ descriptor: { mediaType: 'text/plain', digest: sha256Of(bytes), size: bytes.byteLength }, source: bytesSource(bytes) }], { created: null });
  await pushPacked(target, artifact, { tag: 'v1' });
  return artifact.descriptor;
}

async function targets(): Promise<Array<[string, Target]>> {
  const dir = await mkdtemp(join(tmpdir(), 'sealpack-sign-'));
  return [
    ['an OCI layout', openTarget(parseReference(`ocidir://${join(dir, 'lay')}`))],
    ['the real registry (tag-schema fallback)', openTarget(parseReference(`${registries.anonymous.host}/${uniqueRepository()}`))],
  ];
}

describe('sign and verify with a key, cosign v3 layout', async () => {
  for (const [where, target] of await targets()) {
    describe(where, () => {
      it('attaches a bundle referrer as cosign v3 does, and it verifies with the right key only', async () => {
        const subject = await pushArtifact(target, `deliverable in ${where}`);
        const signed = await signManifest(target, subject, { signer: keySigner(privateKey), subjectName: 'data/parks', now });
        const tree = await discoverReferrers(target, subject);
        expect(tree.referrers.map((r) => r.descriptor.digest)).toEqual([signed.referrer.digest]);
        expect(tree.referrers[0]?.descriptor.artifactType).toBe(MEDIA_TYPE_SIGSTORE_BUNDLE_V03);
        const manifest = JSON.parse(new TextDecoder().decode(await target.fetchManifest(signed.referrer))) as Record<string, unknown>;
        expect(manifest).toMatchObject({
          artifactType: MEDIA_TYPE_SIGSTORE_BUNDLE_V03,
          config: { mediaType: 'application/vnd.oci.empty.v1+json', artifactType: MEDIA_TYPE_SIGSTORE_BUNDLE_V03, size: 2 },
          layers: [{ mediaType: MEDIA_TYPE_SIGSTORE_BUNDLE_V03 }],
          subject: { digest: subject.digest },
          annotations: {
            'dev.sigstore.bundle.content': 'dsse-envelope',
            'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1',
            'org.opencontainers.image.created': '2026-11-29T12:00:00Z',
          },
        });
        expect(signed.bundle).toMatchObject({ mediaType: MEDIA_TYPE_SIGSTORE_BUNDLE_V03, dsseEnvelope: { payloadType: 'application/vnd.in-toto+json' } });

        const good = await verifyAttached(target, subject, { publicKey, ignoreTlog: true });
        expect(good).toMatchObject([{ valid: true, predicateType: 'https://sigstore.dev/cosign/sign/v1' }]);
        const wrongKey = await verifyAttached(target, subject, { publicKey: other.publicKey, ignoreTlog: true });
        expect(wrongKey).toMatchObject([{ valid: false, reason: expect.stringMatching(/SIGNATURE_INVALID/) }]);
        // As cosign: a key signature without a transparency-log entry only passes when that is waived.
        const needsTlog = await verifyAttached(target, subject, { publicKey });
        expect(needsTlog).toMatchObject([{ valid: false, reason: expect.stringMatching(/SIGNATURE_INVALID/) }]);
      });

      it('refuses a tampered bundle, a bundle made for another digest, a v0.2 message-signature bundle and a v0.2 DSSE bundle', async () => {
        const subject = await pushArtifact(target, `second deliverable in ${where}`);
        const elsewhere = await pushArtifact(target, `another artifact in ${where}`);
        // A valid bundle for `elsewhere`, attached to `subject`: the signature holds, the subject does not.
        const forOther = await signManifest(target, elsewhere, { signer: keySigner(privateKey), subjectName: 'data/parks', now });
        await attachBundle(target, subject, new TextEncoder().encode(JSON.stringify(forOther.bundle)), { predicateType: 'https://sigstore.dev/cosign/sign/v1', created: now() });
        // The same bundle with its payload changed after signing.
        const tampered = structuredClone(forOther.bundle) as { dsseEnvelope: { payload: string } };
        const statement = JSON.parse(Buffer.from(tampered.dsseEnvelope.payload, 'base64').toString()) as { subject: Array<{ digest: { sha256: string } }> };
        statement.subject[0] = { digest: { sha256: subject.digest.slice(7) } };
        tampered.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
        await attachBundle(target, subject, new TextEncoder().encode(JSON.stringify(tampered)), { predicateType: 'https://sigstore.dev/cosign/sign/v1', created: now() });
        // A message-signature bundle (what sign-blob makes), where a DSSE statement is required.
        const message = await new MessageSignatureBundleBuilder({ signer: keySigner(privateKey), witnesses: [] }).create({ data: Buffer.from(subject.digest) });
        const v02 = (bundle: unknown) => new TextEncoder().encode(JSON.stringify({ ...(bundle as object), mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.2' }));
        // Annotated as a signature, so it is looked at as one (the annotation only chooses; the bundle decides).
        await attachBundle(target, subject, v02(bundleToJSON(message)), { predicateType: 'https://sigstore.dev/cosign/sign/v1', created: now() });
        // A DSSE bundle for this very subject whose only fault is its version (made in a scratch
        // layout, so that no valid v0.3 one is attached here).
        const scratch = openTarget(parseReference(`ocidir://${join(await mkdtemp(join(tmpdir(), 'sealpack-scratch-')), 'lay')}`));
        const sameSubject = await pushArtifact(scratch, `second deliverable in ${where}`);
        expect(sameSubject.digest).toBe(subject.digest);
        const forSubject = await signManifest(scratch, sameSubject, { signer: keySigner(privateKey), subjectName: 'data/parks', now });
        await attachBundle(target, subject, v02(forSubject.bundle), { predicateType: 'https://sigstore.dev/cosign/sign/v1', created: now() });

        const verdicts = await verifyAttached(target, subject, { publicKey, ignoreTlog: true });
        const reasons = verdicts.map((v) => v.reason ?? 'valid').sort();
        expect(verdicts.every((v) => !v.valid)).toBe(true);
        expect(reasons).toHaveLength(4);
        expect(reasons.some((r) => /version=0\.2 where v0\.3 is required.*INVALID_BUNDLE/.test(r))).toBe(true);
        expect(reasons.some((r) => /another artifact.*SUBJECT_MISMATCH/.test(r))).toBe(true);
        expect(reasons.some((r) => /does not verify.*SIGNATURE_INVALID/.test(r))).toBe(true);
        expect(reasons.some((r) => /message signature.*INVALID_BUNDLE/.test(r))).toBe(true);
      });
    });
  }
});
