import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesSource, openTarget, packLayers, parseReference, pushPacked, sha256Of, type Target } from '@sealpack/oci-client';
import { buildProvDocument, PREDICATE } from '@sealpack/provenance';
import { attestManifest, keySigner, signManifest } from '@sealpack/signing';
import { collectEvidence, compilePolicy, parsePolicy } from '../src/index.ts';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PROV = 'https://sealpack.dev/attestation/prov/v1';

async function push(target: Target, text: string, annotations: Record<string, string>) {
  const bytes = new TextEncoder().encode(text);
  const artifact = packLayers(
    [
      {
        descriptor: { mediaType: 'application/geo+json', digest: sha256Of(bytes), size: bytes.byteLength, annotations: { 'org.opencontainers.image.title': 'parks.geojson' } },
        source: bytesSource(bytes),
      },
    ],
    {
      created: null,
      annotations,
    },
  );
  await pushPacked(target, artifact, { tag: text.slice(0, 8).replace(/\W/g, '') });
  return artifact.descriptor;
}

describe('collecting evidence from a target with the signing package', () => {
  it('gathers manifest labels, signatures and attestations judged under the key, and its inputs’ labels from verified PROV', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sealpack-policy-'));
    const target = openTarget(parseReference(`ocidir://${join(dir, 'lay')}`));
    const raw = await push(target, 'raw restricted input', { 'dev.sealpack.sensitivity': 'restricted' });
    const subject = await push(target, 'public derivative', { 'dev.sealpack.sensitivity': 'public', 'org.opencontainers.image.licenses': 'CC-BY-4.0' });
    const signer = keySigner(privateKey);
    await signManifest(target, subject, { signer, subjectName: 'lay' });
    const rawRef = `ocidir://${join(dir, 'lay')}@${raw.digest}`;
    const prov = buildProvDocument({
      runId: 'derive',
      startedAt: '2026-12-04T10:00:00Z',
      endedAt: '2026-12-04T10:00:00Z',
      inputs: [{ ref: rawRef }],
      outputs: [{ ref: `ocidir://${join(dir, 'lay')}@${subject.digest}`, mediaType: subject.mediaType, size: subject.size }],
      toolchain: [{ name: 'sealpack', version: '0.1.0' }],
    });
    await attestManifest(target, subject, { signer, subjectName: 'lay', predicateType: PROV, predicate: new TextEncoder().encode(JSON.stringify(prov)) });

    const labels: string[] = [];
    const evidence = await collectEvidence(target, subject, {
      reference: 'ocidir://lay:public',
      pinned: false,
      verifyPolicy: { publicKey, ignoreTlog: true },
      inputLabel: async (id) => {
        labels.push(id);
        return id === rawRef ? { readable: true, sensitivity: 'restricted' } : { readable: false };
      },
    });
    expect(evidence.subject).toMatchObject({ digest: subject.digest, pinned: false, files: [{ name: 'parks.geojson', mediaType: 'application/geo+json' }] });
    expect(evidence.labels).toEqual({ license: 'CC-BY-4.0', sensitivity: 'public' });
    expect(evidence.signatures).toEqual([expect.objectContaining({ valid: true, tlog: false, timestamp: false, keyId: expect.any(String) })]);
    expect(evidence.attestations).toEqual([expect.objectContaining({ predicateType: PROV, valid: true, predicateDigest: expect.stringMatching(/^sha256:/) })]);
    expect(evidence.lineage.inputs).toEqual([{ id: rawRef, sensitivity: 'restricted' }]);
    expect(labels).toEqual([rawRef]);

    const policy = parsePolicy(
      'apiVersion: sealpack.dev/policy/v1\nkind: Policy\nmetadata: { name: t }\nrules:\n  - { id: signed, type: signatures }\n  - { id: prov, type: attestation, predicateType: https://sealpack.dev/attestation/prov/v1 }\n  - { id: inherit, type: sensitivityInheritance }\n',
      't.yaml',
    );
    const decision = compilePolicy(policy).evaluate(evidence);
    expect(decision.violations.map((v) => v.id)).toEqual(['inherit']);

    // Under another key nothing verifies; without any, nothing counts as valid either.
    const foreign = await collectEvidence(target, subject, { reference: 'x', pinned: true, verifyPolicy: { publicKey: other.publicKey, ignoreTlog: true } });
    expect(foreign.signatures.map((s) => s.valid)).toEqual([false]);
    expect(foreign.lineage.inputs).toEqual([]);
    const none = await collectEvidence(target, subject, { reference: 'x', pinned: true });
    expect(none.signatures).toEqual([{ valid: false, reason: 'not verified: no key or identity given', tlog: false, timestamp: false }]);
    expect(
      compilePolicy(policy)
        .evaluate(none)
        .violations.map((v) => v.id),
    ).toEqual(['signed', 'prov']);

    // A revocation counts only when it verifies under the caller's key: a stranger's does nothing.
    const revoke = (by: typeof privateKey, reason: string) =>
      attestManifest(target, subject, {
        signer: keySigner(by),
        subjectName: 'lay',
        predicateType: PREDICATE.revocation,
        predicate: new TextEncoder().encode(JSON.stringify({ reason, revokedAt: '2026-12-04T12:00:00Z' })),
      });
    await revoke(other.privateKey, 'a stranger says so');
    const stranger = await collectEvidence(target, subject, { reference: 'x', pinned: true, verifyPolicy: { publicKey, ignoreTlog: true } });
    expect(stranger.revocations).toEqual([]);
    expect(stranger.attestations.map((a) => a.predicateType)).toEqual([PROV]);
    await revoke(privateKey, 'nesting sites exposed');
    const revoked = await collectEvidence(target, subject, { reference: 'x', pinned: true, verifyPolicy: { publicKey, ignoreTlog: true } });
    expect(revoked.revocations).toEqual([{ reason: 'nesting sites exposed', revokedAt: '2026-12-04T12:00:00Z', signer: expect.stringMatching(/^key /) }]);
    expect(compilePolicy(policy).evaluate(revoked).violations[0]).toMatchObject({ id: 'not-revoked', message: expect.stringMatching(/revoked by key .*: nesting sites exposed/) });
  });
});
