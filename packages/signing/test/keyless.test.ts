import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { uniqueRepository } from '@sealpack/test-registry';
import { bytesSource, openTarget, packLayers, parseReference, pushPacked, sha256Of, type Descriptor, type Target } from '@sealpack/oci-client';
import { attestManifest, keylessSigner, PREDICATE_TYPES, signManifest, trustMaterialFromJSON, verifyAttached, verifyBundle, witnessesFor } from '../src/index.ts';
import { oidcToken, startSigstoreStandIns, type SigstoreStandIns } from './fixtures/sigstore-stand-ins.ts';

const registries = inject('registries');
const ISSUER = 'https://issuer.example';
const IDENTITY = 'builder@example.org';

let services: SigstoreStandIns;
beforeAll(async () => {
  services = await startSigstoreStandIns();
});
afterAll(async () => {
  await services?.stop();
});

async function pushArtifact(target: Target): Promise<Descriptor> {
  const bytes = new TextEncoder().encode('keyless deliverable');
  const artifact = packLayers([{ descriptor: { mediaType: 'text/plain', digest: sha256Of(bytes), size: bytes.byteLength }, source: bytesSource(bytes) }], { created: null });
  await pushPacked(target, artifact, { tag: 'v1' });
  return artifact.descriptor;
}

describe('keyless signing against local Fulcio and Rekor stand-ins (offline)', () => {
  it.each([
    ['an OCI layout', async () => `ocidir://${join(await mkdtemp(join(tmpdir(), 'sealpack-keyless-')), 'lay')}`],
    ['the real registry', async () => `${registries.anonymous.host}/${uniqueRepository()}`],
  ])('signs and attests (SLSA, PROV, SPDX) in %s with a Fulcio certificate logged in Rekor, and verifies by identity and issuer only', async (_where, location) => {
    const target = openTarget(parseReference(await location()));
    const subject = await pushArtifact(target);
    const signer = keylessSigner({ fulcioURL: services.fulcioURL, identityToken: async () => oidcToken({ iss: ISSUER, sub: IDENTITY }) });
    // Logged in Rekor, whose integrated time is the signature's time (see the stand-ins on the TSA).
    const witnesses = witnessesFor({ rekorURL: services.rekorURL });
    const signed = await signManifest(target, subject, { signer, subjectName: 'data/parks', witnesses });
    const bundle = signed.bundle as { verificationMaterial: { certificate?: unknown; tlogEntries: unknown[]; timestampVerificationData?: { rfc3161Timestamps: unknown[] } } };
    expect(bundle.verificationMaterial.certificate).toBeDefined();
    expect(bundle.verificationMaterial.tlogEntries).toHaveLength(1);
    await attestManifest(target, subject, {
      signer,
      subjectName: 'data/parks',
      predicateType: 'https://slsa.dev/provenance/v1',
      predicate: new TextEncoder().encode('{"buildDefinition":{}}'),
      witnesses,
    });
    for (const [type, predicate] of [
      [PREDICATE_TYPES.prov as string, '{"@graph":[{"@id":"urn:run:1"}]}'],
      [PREDICATE_TYPES.spdx as string, '{"spdxVersion":"SPDX-2.3"}'],
    ] as const) {
      await attestManifest(target, subject, { signer, subjectName: 'data/parks', predicateType: type, predicate: new TextEncoder().encode(predicate), witnesses });
    }

    const trustMaterial = trustMaterialFromJSON(services.trustedRoot);
    const good = await verifyAttached(target, subject, { identity: IDENTITY, issuer: ISSUER, trustMaterial });

    expect(good).toMatchObject([{ valid: true, identity: IDENTITY, issuer: ISSUER }]);
    const byRegex = await verifyAttached(target, subject, { identity: /^builder@example\.org$/, issuer: ISSUER, trustMaterial });
    expect(byRegex).toMatchObject([{ valid: true }]);
    const attested = await verifyAttached(target, subject, { identity: IDENTITY, issuer: ISSUER, trustMaterial, predicateType: 'https://slsa.dev/provenance/v1' });
    expect(attested).toMatchObject([{ valid: true, predicate: { buildDefinition: {} } }]);
    expect(await verifyAttached(target, subject, { identity: IDENTITY, issuer: ISSUER, trustMaterial, predicateType: PREDICATE_TYPES.prov as string })).toMatchObject([
      { valid: true, predicate: { '@graph': [{ '@id': 'urn:run:1' }] } },
    ]);
    expect(await verifyAttached(target, subject, { identity: IDENTITY, issuer: ISSUER, trustMaterial, predicateType: PREDICATE_TYPES.spdx as string })).toMatchObject([
      { valid: true, predicate: { spdxVersion: 'SPDX-2.3' } },
    ]);

    // Another identity, another issuer, a prefix of the identity, or another trust root: all no.
    for (const policy of [
      { identity: 'someone@example.org', issuer: ISSUER, trustMaterial },
      { identity: IDENTITY, issuer: 'https://other.example', trustMaterial },
      { identity: 'builder@example', issuer: ISSUER, trustMaterial },
      { identity: IDENTITY, issuer: ISSUER, trustMaterial: trustMaterialFromJSON((await startSigstoreStandInsOnce()).trustedRoot) },
    ]) {
      const v = await verifyAttached(target, subject, policy);
      expect(v).toMatchObject([{ valid: false, reason: expect.stringMatching(/SIGNATURE_INVALID/) }]);
    }
  });
});

/** A second, unrelated set of stand-ins: its trust root trusts none of the first one's keys. */
async function startSigstoreStandInsOnce(): Promise<SigstoreStandIns> {
  const other = await startSigstoreStandIns();
  await other.stop();
  return other;
}

describe('keyless with an RFC 3161 timestamp authority (stand-in), and certificates that expire', () => {
  async function signedWith(witnesses: ReturnType<typeof witnessesFor>): Promise<{ target: Target; subject: Descriptor }> {
    const target = openTarget(parseReference(`ocidir://${join(await mkdtemp(join(tmpdir(), 'sealpack-tsa-')), 'lay')}`));
    const subject = await pushArtifact(target);
    const signer = keylessSigner({ fulcioURL: services.fulcioURL, identityToken: async () => oidcToken({ iss: ISSUER, sub: IDENTITY }) });
    await signManifest(target, subject, { signer, subjectName: 'data/parks', witnesses });
    return { target, subject };
  }

  it('reports the tlog index and the earliest witnessed time, and matches the issuer by a pattern', async () => {
    const { target, subject } = await signedWith(witnessesFor({ rekorURL: services.rekorURL, tsaURL: services.tsaURL }));
    const trustMaterial = trustMaterialFromJSON(services.trustedRoot);
    const [verdict] = await verifyAttached(target, subject, { identity: IDENTITY, issuer: /^https:\/\/issuer\.example$/, trustMaterial, thresholds: { timestamp: 2 } });
    expect(verdict).toMatchObject({ valid: true, identity: IDENTITY, issuer: ISSUER, tlogIndex: expect.stringMatching(/^\d+$/) });
    expect(verdict?.signedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Math.abs(Date.parse(verdict?.signedAt ?? '') - Date.now())).toBeLessThan(10 * 60_000);
    // Two witnesses were asked for and two are there; three are not.
    expect(await verifyAttached(target, subject, { identity: IDENTITY, issuer: ISSUER, trustMaterial, thresholds: { timestamp: 3 } })).toMatchObject([
      { valid: false, reason: expect.stringMatching(/expected 3 timestamps, got 2/) },
    ]);
    expect(await verifyAttached(target, subject, { identity: IDENTITY, issuer: /^https:\/\/other\./, trustMaterial })).toMatchObject([
      { valid: false, reason: expect.stringMatching(/issuer https:\/\/issuer\.example does not match/) },
    ]);
  });

  it('verifies a signature timestamped by the TSA alone once the tlog threshold is 0, and not before', async () => {
    const { target, subject } = await signedWith(witnessesFor({ tsaURL: services.tsaURL }));
    const trustMaterial = trustMaterialFromJSON(services.trustedRoot);
    expect(await verifyAttached(target, subject, { identity: IDENTITY, issuer: ISSUER, trustMaterial, thresholds: { tlog: 0 } })).toMatchObject([{ valid: true, identity: IDENTITY }]);
    expect(await verifyAttached(target, subject, { identity: IDENTITY, issuer: ISSUER, trustMaterial })).toMatchObject([
      { valid: false, reason: expect.stringMatching(/expected 1 tlog entries, got 0/) },
    ]);
  });

  it('an expired certificate verifies by the timestamp that proves it signed in time, and fails without one', async () => {
    const stamped = await signedWith(witnessesFor({ tsaURL: services.tsaURL }));
    const bare = await signedWith([]);
    const trustMaterial = trustMaterialFromJSON(services.trustedRoot);
    const policy = { identity: IDENTITY, issuer: ISSUER, trustMaterial, ignoreTlog: true };
    // An hour on, the ten-minute certificates have expired (only Date is faked: I/O timers run).
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 3600_000 });
    try {
      expect(await verifyAttached(stamped.target, stamped.subject, policy)).toMatchObject([{ valid: true }]);
      expect(await verifyAttached(bare.target, bare.subject, policy)).toMatchObject([
        { valid: false, reason: expect.stringMatching(/no log entry or timestamp says when it was signed.*it has expired.*SIGNATURE_INVALID/) },
      ]);
    } finally {
      vi.useRealTimers();
    }
    // Nor can a policy waive the timestamp of a certificate: that is refused as a mistake.
    await expect(verifyAttached(bare.target, bare.subject, { ...policy, thresholds: { timestamp: 0 } })).rejects.toMatchObject({ code: 'INVALID_VERIFY_POLICY' });
  });
});

describe('Rekor v2 (stand-in): inclusion proofs and signed checkpoints instead of signed entry timestamps', () => {
  it('logs keyless signatures in a v2 log, timestamped by the TSA, and each verifies by its Merkle proof', async () => {
    const target = openTarget(parseReference(`ocidir://${join(await mkdtemp(join(tmpdir(), 'sealpack-rekor-v2-')), 'lay')}`));
    const subject = await pushArtifact(target);
    const signer = keylessSigner({ fulcioURL: services.fulcioURL, identityToken: async () => oidcToken({ iss: ISSUER, sub: IDENTITY }) });
    const witnesses = witnessesFor({ rekorURL: services.rekorURL, rekorVersion: 2, tsaURL: services.tsaURL });
    // Five entries: later ones are proven by paths of several hashes, not a tree of one.
    const bundles: unknown[] = [];
    for (let i = 0; i < 5; i++) bundles.push((await signManifest(target, subject, { signer, subjectName: 'data/parks', witnesses })).bundle);
    const entry = (bundles[4] as { verificationMaterial: { tlogEntries: Array<{ kindVersion: unknown; inclusionPromise?: unknown; inclusionProof?: { hashes: unknown[] } }> } }).verificationMaterial
      .tlogEntries[0];
    expect(entry).toMatchObject({ kindVersion: { kind: 'dsse', version: '0.0.2' } });
    expect(entry?.inclusionPromise).toBeUndefined();
    expect(entry?.inclusionProof?.hashes.length).toBeGreaterThan(0);

    const trustMaterial = trustMaterialFromJSON(services.trustedRoot);
    const verdicts = await verifyAttached(target, subject, { identity: IDENTITY, issuer: ISSUER, trustMaterial });
    expect(verdicts).toHaveLength(5);
    expect(verdicts.every((v) => v.valid)).toBe(true);
    expect(new Set(verdicts.map((v) => v.tlogIndex)).size).toBe(5);

    // A proof whose checkpoint no longer matches, and a v2 entry without the TSA's time.
    const forged = structuredClone(bundles[4]) as { verificationMaterial: { tlogEntries: Array<{ inclusionProof: { hashes: string[] } }> } };
    const proof = forged.verificationMaterial.tlogEntries[0]?.inclusionProof;
    if (proof !== undefined) proof.hashes[0] = Buffer.alloc(32, 7).toString('base64');
    expect(() => verifyBundle(new TextEncoder().encode(JSON.stringify(forged)), subject, { identity: IDENTITY, issuer: ISSUER, trustMaterial })).toThrow(/does not verify/);
    const untimed = structuredClone(bundles[4]) as { verificationMaterial: { timestampVerificationData?: unknown } };
    delete untimed.verificationMaterial.timestampVerificationData;
    expect(() => verifyBundle(new TextEncoder().encode(JSON.stringify(untimed)), subject, { identity: IDENTITY, issuer: ISSUER, trustMaterial })).toThrow(/no log entry or timestamp says when/);
  });
});
