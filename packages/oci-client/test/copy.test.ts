import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { uniqueRepository } from '@sealpack/test-registry';
import { bytesSource, copyGraph, discoverReferrers, packLayers, pushPacked, sha256Of, type Descriptor, type PackedLayer, type ReferrerNode, type Target } from '../src/index.ts';
import { LayoutTarget } from '../src/entries/layout.ts';
import { referrersTag, RegistryTarget } from '../src/entries/registry.ts';

const registries = inject('registries');

function layer(text: string): PackedLayer {
  const bytes = new TextEncoder().encode(text);
  return { descriptor: { mediaType: 'text/plain', digest: sha256Of(bytes), size: bytes.byteLength, annotations: { 'org.opencontainers.image.title': 'f.txt' } }, source: bytesSource(bytes) };
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

/** The graph as digests, children sorted, for digest-for-digest comparison. */
function shape(node: ReferrerNode): unknown {
  return { digest: node.descriptor.digest, referrers: node.referrers.map(shape).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) };
}

describe('copyGraph', () => {
  it('copy -r registry → layout → another repository reproduces the three-level graph digest for digest', async () => {
    const origin = new RegistryTarget(registries.anonymous.host, uniqueRepository());
    const subject = await pushArtifact(origin, 'deliverable', { tag: 'v1' });
    const sig = await pushArtifact(origin, 'signature', { subject, artifactType: 'application/vnd.example.sig' });
    const sbom = await pushArtifact(origin, 'sbom', { subject, artifactType: 'application/spdx+json' });
    await pushArtifact(origin, 'sbom signature', { subject: sbom, artifactType: 'application/vnd.example.sig' });
    void sig;
    const expected = shape(await discoverReferrers(origin, subject, { depth: 5 }));

    const layout = new LayoutTarget(join(await mkdtemp(join(tmpdir(), 'sealpack-copy-')), 'backup'));
    const toLayout = await copyGraph(origin, layout, 'v1', { recursive: true, tag: 'v1' });
    expect(toLayout).toMatchObject({ manifests: 4, referrers: 3, excluded: 0, mounted: 0 });
    expect(shape(await discoverReferrers(layout, await layout.resolve('v1'), { depth: 5 }))).toEqual(expected);

    const other = new RegistryTarget(registries.anonymous.host, uniqueRepository());
    await copyGraph(layout, other, subject.digest, { recursive: true, tag: 'restored' });
    expect((await other.resolve('restored')).digest).toBe(subject.digest);
    expect(shape(await discoverReferrers(other, subject, { depth: 5 }))).toEqual(expected);

    const again = await copyGraph(layout, other, subject.digest, { recursive: true });
    expect(again.blobs).toBe(0);
    expect(again.manifests).toBe(0);
  });

  it("counts what moved: mounted blobs are not bytes sent, an index's children are not referrers", async () => {
    const repository = uniqueRepository();
    const origin = new RegistryTarget(registries.anonymous.host, repository);
    const subject = await pushArtifact(origin, 'mounted deliverable', { tag: 'v1' });
    await pushArtifact(origin, 'its signature', { subject, artifactType: 'application/vnd.example.sig' });
    // Another repository of the same registry: every blob is mounted, none is sent.
    const sibling = new RegistryTarget(registries.anonymous.host, uniqueRepository());
    const mounted = await copyGraph(origin, sibling, 'v1', { recursive: true, tag: 'v1' });
    expect(mounted).toMatchObject({ manifests: 2, referrers: 1, blobs: 0, bytes: 0 });
    expect(mounted.mounted).toBeGreaterThan(0);

    // An index with two child manifests and no referrers: two children, zero referrers.
    const layout = new LayoutTarget(join(await mkdtemp(join(tmpdir(), 'sealpack-index-')), 'lay'));
    const children = [packLayers([layer('child a')], { created: null }), packLayers([layer('child b')], { created: null })];
    for (const child of children) await pushPacked(layout, child);
    const indexBytes = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: children.map((c) => c.descriptor) }));
    const index: Descriptor = { mediaType: 'application/vnd.oci.image.index.v1+json', digest: sha256Of(indexBytes), size: indexBytes.byteLength };
    await layout.push(index, bytesSource(indexBytes), { tag: 'idx' });
    const copied = await copyGraph(layout, new LayoutTarget(join(await mkdtemp(join(tmpdir(), 'sealpack-index-')), 'copy')), 'idx', { recursive: true });
    expect(copied).toMatchObject({ manifests: 3, referrers: 0 });
  });

  it('reports progress byte by byte while blobs stream, ending at the bytes copied', async () => {
    const layout = new LayoutTarget(join(await mkdtemp(join(tmpdir(), 'sealpack-copy-')), 'big'));
    const bytes = randomBytes(6 * 1024 * 1024);
    const big: PackedLayer = {
      descriptor: { mediaType: 'application/octet-stream', digest: sha256Of(bytes), size: bytes.byteLength, annotations: { 'org.opencontainers.image.title': 'big.bin' } },
      source: bytesSource(bytes),
    };
    await pushPacked(layout, packLayers([big, layer('small')], { created: null }), { tag: 'v1' });
    const reports: number[] = [];
    const result = await copyGraph(layout, new RegistryTarget(registries.anonymous.host, uniqueRepository()), 'v1', { onProgress: (copied) => reports.push(copied) });
    expect(reports.at(-1)).toBe(result.bytes);
    expect(result.bytes).toBeGreaterThan(bytes.byteLength);
    // Part-way figures, not one per finished blob, and never going backwards.
    expect(reports.filter((n) => n > 0 && n < bytes.byteLength).length).toBeGreaterThan(3);
    expect(reports).toEqual([...reports].sort((a, b) => a - b));
  });

  it('copies a subject with 200 referrers between two repositories, completely', async () => {
    const from = new RegistryTarget(registries.anonymous.host, uniqueRepository());
    const subject = await pushArtifact(from, 'popular', { tag: 'v1' });
    const referrers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const artifact = packLayers([layer(`evidence ${i}`)], { created: null, subject, artifactType: 'application/vnd.example.evidence' });
        return (async () => {
          await from.push(artifact.layers[0]!.descriptor, artifact.layers[0]!.source);
          await from.push(artifact.config.descriptor, artifact.config.source);
          return artifact;
        })();
      }),
    );
    await Promise.all(referrers.map((artifact) => from.push(artifact.descriptor, bytesSource(artifact.manifestBytes))));
    expect(await from.referrers(subject)).toHaveLength(200);
    // One referrer deep in the graph has a referrer of its own: a big graph is walked from the
    // source's tag list, which must still lead to it.
    const deep = referrers[150]!.descriptor;
    const countersignature = await pushArtifact(from, 'countersignature', { subject: deep, artifactType: 'application/vnd.example.sig' });
    const to = new RegistryTarget(registries.anonymous.host, uniqueRepository(), { client: from.client });
    const started = performance.now();
    const result = await copyGraph(from, to, 'v1', { recursive: true, tag: 'v1' });
    process.stderr.write(`copy -r of 200 referrers: ${Math.round(performance.now() - started)} ms\n`);
    expect(result.manifests).toBe(202);
    expect((await to.referrers(subject)).map((d) => d.digest).sort()).toEqual(referrers.map((a) => a.descriptor.digest).sort());
    expect((await to.referrers(deep)).map((d) => d.digest)).toEqual([countersignature.digest]);
  }, 120_000);

  it('skips with a warning a listed referrer that is missing or whose subject does not match, and survives a cycle', async () => {
    const from = new RegistryTarget(registries.anonymous.host, uniqueRepository());
    const subject = await pushArtifact(from, 'subject', { tag: 'v1' });
    const real = await pushArtifact(from, 'real evidence', { subject });
    const unrelated = await pushArtifact(from, 'unrelated');
    const ghost = await pushArtifact(from, 'deleted later');
    // The subject listed as its own referrer: a cycle. The ghost: listed, then deleted.
    const index = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [real, unrelated, ghost, subject] }));
    await from.push({ mediaType: 'application/vnd.oci.image.index.v1+json', digest: sha256Of(index), size: index.byteLength }, bytesSource(index), { tag: referrersTag(subject.digest) });
    await from.delete(ghost);
    const warnings: string[] = [];
    const to = new LayoutTarget(join(await mkdtemp(join(tmpdir(), 'sealpack-copy-')), 'lay'));
    const result = await copyGraph(from, to, 'v1', { recursive: true, onWarning: (w) => warnings.push(w) });
    expect(result.manifests).toBe(2);
    expect(warnings).toHaveLength(3);
    expect(warnings.join('\n')).toMatch(/not in the source/);
    expect(warnings.join('\n')).toMatch(/its subject is none/);
    expect(warnings.join('\n')).toMatch(/a cycle/);
  });
});
