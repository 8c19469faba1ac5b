import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesSource, openTarget, packLayers, parseReference, pushPacked, sha256Of, type Descriptor, type Target } from '@sealpack/oci-client';
import { attestManifest, keylessSigner, signManifest, trustMaterialFromJSON, verifyAttached, witnessesFor } from '../src/index.ts';
import { oidcToken, startSigstoreStandIns, type SigstoreStandIns } from './fixtures/sigstore-stand-ins.ts';

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
  it('signs and attests with a Fulcio certificate logged in Rekor, and verifies by identity and issuer only', async () => {
    const target = openTarget(parseReference(`ocidir://${join(await mkdtemp(join(tmpdir(), 'sealpack-keyless-')), 'lay')}`));
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

    const trustMaterial = trustMaterialFromJSON(services.trustedRoot);
    const good = await verifyAttached(target, subject, { identity: IDENTITY, issuer: ISSUER, trustMaterial });

    expect(good).toMatchObject([{ valid: true, identity: IDENTITY, issuer: ISSUER }]);
    const byRegex = await verifyAttached(target, subject, { identity: /^builder@example\.org$/, issuer: ISSUER, trustMaterial });
    expect(byRegex).toMatchObject([{ valid: true }]);
    const attested = await verifyAttached(target, subject, { identity: IDENTITY, issuer: ISSUER, trustMaterial, predicateType: 'https://slsa.dev/provenance/v1' });
    expect(attested).toMatchObject([{ valid: true, predicate: { buildDefinition: {} } }]);

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
