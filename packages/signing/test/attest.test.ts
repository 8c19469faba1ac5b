import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { uniqueRepository } from '@sealpack/test-registry';
import { bytesSource, openTarget, packLayers, parseReference, pushPacked, sha256Of, type Descriptor, type Target } from '@sealpack/oci-client';
import { attestManifest, keySigner, PREDICATE_TYPES, signManifest, verifyAttached, verifyAttachedByType } from '../src/index.ts';

const registries = inject('registries');
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const prov = { '@context': { prov: 'http://www.w3.org/ns/prov#' }, '@graph': [{ '@id': 'urn:run:1', '@type': 'prov:Activity' }] };
const spdx = { spdxVersion: 'SPDX-2.3', name: 'parks', packages: Array.from({ length: 50 }, (_, i) => ({ name: `pkg-${i}`, SPDXID: `SPDXRef-${i}` })) };
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

async function pushArtifact(target: Target, text: string): Promise<Descriptor> {
  const bytes = new TextEncoder().encode(text);
  const artifact = packLayers([{ descriptor: { mediaType: 'text/plain', digest: sha256Of(bytes), size: bytes.byteLength }, source: bytesSource(bytes) }], { created: null });
  await pushPacked(target, artifact, { tag: 'v1' });
  return artifact.descriptor;
}

describe('attestations with any predicate, as bundle referrers', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sealpack-attest-'));
  for (const [where, target] of [
    ['an OCI layout', openTarget(parseReference(`ocidir://${join(dir, 'lay')}`))],
    ['the real registry', openTarget(parseReference(`${registries.anonymous.host}/${uniqueRepository()}`))],
  ] as const) {
    it(`PROV inline and a large SPDX beside the statement verify and give back their predicates (${where})`, async () => {
      const subject = await pushArtifact(target, `attested in ${where}`);
      const signer = keySigner(privateKey);
      await signManifest(target, subject, { signer, subjectName: 'data/parks' });
      const inline = await attestManifest(target, subject, { signer, subjectName: 'data/parks', predicateType: PREDICATE_TYPES.prov as string, predicate: encode(prov) });
      expect(inline.detached).toBe(false);
      const large = await attestManifest(target, subject, { signer, subjectName: 'data/parks', predicateType: PREDICATE_TYPES.spdx as string, predicate: encode(spdx), detachThreshold: 1024 });
      expect(large.detached).toBe(true);
      const manifest = JSON.parse(new TextDecoder().decode(await target.fetchManifest(large.referrer))) as { layers: Array<{ mediaType: string }> };
      expect(manifest.layers.map((l) => l.mediaType)).toEqual(['application/vnd.dev.sigstore.bundle.v0.3+json', 'application/json']);

      const provVerdicts = await verifyAttached(target, subject, { publicKey, ignoreTlog: true, predicateType: PREDICATE_TYPES.prov as string });
      expect(provVerdicts).toMatchObject([{ valid: true, predicateType: PREDICATE_TYPES.prov, predicate: prov }]);
      const spdxVerdicts = await verifyAttached(target, subject, { publicKey, ignoreTlog: true, predicateType: PREDICATE_TYPES.spdx as string });
      expect(spdxVerdicts).toMatchObject([{ valid: true, predicate: spdx }]);
      // The signature check looks at signatures only: the two attestations are not "invalid signatures".
      expect(await verifyAttached(target, subject, { publicKey, ignoreTlog: true })).toMatchObject([{ valid: true, predicateType: 'https://sigstore.dev/cosign/sign/v1' }]);

      // All three types at once give the same verdicts, from one listing of the referrers.
      let listings = 0;
      const counted = new Proxy(target, {
        get(object, name, receiver) {
          if (name === 'referrers') listings++;
          const value = Reflect.get(object, name, receiver);
          return typeof value === 'function' ? value.bind(object) : value;
        },
      });
      const types = ['https://sigstore.dev/cosign/sign/v1', PREDICATE_TYPES.prov as string, PREDICATE_TYPES.spdx as string];
      const byType = await verifyAttachedByType(counted, subject, { publicKey, ignoreTlog: true }, types);
      expect(listings).toBe(1);
      expect([...byType.keys()]).toEqual(types);
      expect(byType.get(PREDICATE_TYPES.prov as string)).toEqual(provVerdicts);
      expect(byType.get(PREDICATE_TYPES.spdx as string)).toEqual(spdxVerdicts);
      expect(byType.get(types[0] as string)).toMatchObject([{ valid: true }]);
    });
  }
});
