import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { uniqueRepository } from '@sealpack/test-registry';
import { bytesSource, discoverReferrers, packLayers, pushPacked, sha256Of, type Descriptor, type PackedLayer, type Target } from '../src/index.ts';
import { LayoutTarget } from '../src/entries/layout.ts';
import { referrersTag, RegistryTarget } from '../src/entries/registry.ts';

const registries = inject('registries');

function layer(text: string): PackedLayer {
  const bytes = new TextEncoder().encode(text);
  return { descriptor: { mediaType: 'text/plain', digest: sha256Of(bytes), size: bytes.byteLength }, source: bytesSource(bytes) };
}

async function pushArtifact(target: Target, text: string, options: { subject?: Descriptor; artifactType?: string; tag?: string } = {}): Promise<Descriptor> {
  const artifact = packLayers([layer(text)], {
    created: null,
    ...(options.subject === undefined ? {} : { subject: options.subject }),
    ...(options.artifactType === undefined ? {} : { artifactType: options.artifactType }),
  });
  await pushPacked(target, artifact, options.tag === undefined ? {} : { tag: options.tag });
  return artifact.descriptor;
}

/** subject ← signature, subject ← SBOM ← signature-on-SBOM: the evidence graph discover must show. */
async function threeLevels(target: Target) {
  const subject = await pushArtifact(target, 'the deliverable', { tag: 'v1' });
  const signature = await pushArtifact(target, 'signature', { subject, artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' });
  const sbom = await pushArtifact(target, 'sbom', { subject, artifactType: 'application/spdx+json' });
  const sbomSignature = await pushArtifact(target, 'signature of sbom', { subject: sbom, artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' });
  return { subject, signature, sbom, sbomSignature };
}

describe.each<[string, () => Promise<Target>]>([
  ['the real registry (referrers tag schema)', async () => new RegistryTarget(registries.anonymous.host, uniqueRepository())],
  ['an OCI layout (referrers by subject)', async () => new LayoutTarget(join(await mkdtemp(join(tmpdir(), 'sealpack-graph-')), 'layout'))],
])('the referrers graph on %s', (_name, make) => {
  it('discover shows subject, signature, SBOM and the signature of the SBOM as three levels', async () => {
    const target = await make();
    const { subject, signature, sbom, sbomSignature } = await threeLevels(target);
    const tree = await discoverReferrers(target, subject, { depth: 5 });
    const children = tree.referrers.map((n) => n.descriptor.digest).sort();
    expect(children).toEqual([signature.digest, sbom.digest].sort());
    const sbomNode = tree.referrers.find((n) => n.descriptor.digest === sbom.digest);
    expect(sbomNode?.descriptor.artifactType).toBe('application/spdx+json');
    expect(sbomNode?.referrers.map((n) => n.descriptor.digest)).toEqual([sbomSignature.digest]);
    const filtered = await discoverReferrers(target, subject, { depth: 1, artifactType: 'application/spdx+json' });
    expect(filtered.referrers.map((n) => n.descriptor.digest)).toEqual([sbom.digest]);
    await target.close();
  });

  it('deleting a referrer takes it out of the graph', async () => {
    const target = await make();
    const { subject, signature, sbom } = await threeLevels(target);
    await target.delete(signature);
    expect((await target.referrers(subject)).map((d) => d.digest)).toEqual([sbom.digest]);
    await target.close();
  });
});

describe('the referrers tag-schema index on distribution 2.8', () => {
  it('is written under the sha256-<hex> tag when a referrer is pushed, and the referrer leaves it on delete', async () => {
    const repository = uniqueRepository();
    const target = new RegistryTarget(registries.anonymous.host, repository);
    const subject = await pushArtifact(target, 'subject', { tag: 'v1' });
    const referrer = await pushArtifact(target, 'evidence', { subject, artifactType: 'application/vnd.example.evidence' });
    const indexDescriptor = await target.resolve(referrersTag(subject.digest));
    expect(indexDescriptor.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const index = JSON.parse(new TextDecoder().decode(await target.fetchManifest(indexDescriptor))) as { manifests: Descriptor[] };
    expect(index.manifests.map((d) => d.digest)).toEqual([referrer.digest]);
    const entries = await target.referrers(subject);
    expect(entries).toEqual([{ mediaType: referrer.mediaType, digest: referrer.digest, size: referrer.size, artifactType: 'application/vnd.example.evidence' }]);
    await target.delete(referrer);
    expect(await target.referrers(subject)).toEqual([]);
  });

  it("'api' mode refuses a registry without the referrers API; 'tag-schema' mode never asks for it", async () => {
    const repository = uniqueRepository();
    const writer = new RegistryTarget(registries.anonymous.host, repository);
    const subject = await pushArtifact(writer, 'subject', { tag: 'v1' });
    await pushArtifact(writer, 'evidence', { subject });
    await expect(new RegistryTarget(registries.anonymous.host, repository, { referrersMode: 'api' }).referrers(subject)).rejects.toMatchObject({ code: 'UNSUPPORTED', kind: 'transport' });
    const lines: string[] = [];
    const tagOnly = new RegistryTarget(registries.anonymous.host, repository, { referrersMode: 'tag-schema', log: (l) => lines.push(l) });
    expect(await tagOnly.referrers(subject)).toHaveLength(1);
    expect(lines.some((l) => l.includes('/referrers/'))).toBe(false);
  });

  it("a referrer pushed in 'api' mode to a registry that answers without OCI-Subject is recorded in the fallback index (distribution-spec: the client MUST)", async () => {
    const repository = uniqueRepository();
    const apiWriter = new RegistryTarget(registries.anonymous.host, repository, { referrersMode: 'api' });
    const subject = await pushArtifact(apiWriter, 'subject', { tag: 'v1' });
    const evidence = await pushArtifact(apiWriter, 'evidence', { subject });
    const reader = new RegistryTarget(registries.anonymous.host, repository);
    expect((await reader.referrers(subject)).map((d) => d.digest)).toEqual([evidence.digest]);
  });
});
