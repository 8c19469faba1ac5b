import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bytesSource, readAll } from '../content.ts';
import { sha256Of } from '../digest.ts';
import { packLayers } from '../pack.ts';
import { pushPacked } from '../push-artifact.ts';
import type { Descriptor } from '../schemas.ts';
import { LayoutTarget } from './layout-target.ts';

async function layout(): Promise<LayoutTarget> {
  return new LayoutTarget(join(await mkdtemp(join(tmpdir(), 'sealpack-layout-')), 'lay'));
}

function blobOf(text: string): { descriptor: Descriptor; source: ReturnType<typeof bytesSource> } {
  const bytes = new TextEncoder().encode(text);
  return { descriptor: { mediaType: 'text/plain', digest: sha256Of(bytes), size: bytes.byteLength, annotations: { 'org.opencontainers.image.title': `${text}.txt` } }, source: bytesSource(bytes) };
}

/** A layout holding two one-file artifacts, `one` tagged `oneTag` and `two` tagged `twoTag`. */
async function twoArtifacts(oneTag: string, twoTag: string) {
  const target = await layout();
  const one = packLayers([blobOf('one')], { created: null });
  const two = packLayers([blobOf('two')], { created: null });
  await pushPacked(target, one, { tag: oneTag });
  await pushPacked(target, two, { tag: twoTag });
  return { target, one, two };
}

describe('LayoutTarget', () => {
  it('writes an image-spec layout: oci-layout marker, index.json with ref.name tags, content-addressed blobs', async () => {
    const target = await layout();
    const artifact = packLayers([blobOf('a')], { created: null });
    await pushPacked(target, artifact, { tag: 'v1' });
    expect(JSON.parse(await readFile(join(target.root, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(await readFile(join(target.root, 'index.json'), 'utf8'));
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0]).toMatchObject({ digest: artifact.descriptor.digest, annotations: { 'org.opencontainers.image.ref.name': 'v1' } });
    expect(sha256Of(await readFile(target.blobPath(artifact.descriptor.digest)))).toBe(artifact.descriptor.digest);
    expect(await target.resolve('v1')).toEqual({
      mediaType: artifact.descriptor.mediaType,
      digest: artifact.descriptor.digest,
      size: artifact.descriptor.size,
      artifactType: artifact.manifest.artifactType,
    });
    expect(await target.resolveBlob(artifact.layers[0]!.descriptor.digest)).toMatchObject({ size: 1 });
  });

  it('moves a tag from one manifest to another and lists tags sorted', async () => {
    const { target, one, two } = await twoArtifacts('latest', 'latest');
    await target.tag(one.descriptor, 'b-old');
    await target.tag(two.descriptor, 'a-new');
    expect((await target.resolve('latest')).digest).toBe(two.descriptor.digest);
    expect(await target.tags()).toEqual(['a-new', 'b-old', 'latest']);
  });

  it('points many tags at once, moving any that named another manifest, and takes none if one is invalid', async () => {
    const { target, one, two } = await twoArtifacts('stable', 'v2');
    await target.tag(two.descriptor, 'stable', 'prod', 'prod');
    expect((await target.resolve('stable')).digest).toBe(two.descriptor.digest);
    expect(await target.tags()).toEqual(['prod', 'stable', 'v2']);
    // One manifest entry per tag; a tag given twice is one entry.
    const index = JSON.parse(await readFile(join(target.root, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    expect(index.manifests.map((m) => m.digest)).toEqual([two.descriptor.digest, two.descriptor.digest, two.descriptor.digest]);
    // `one` lost its only tag but is still there by digest, as on a registry.
    expect((await target.resolve(one.descriptor.digest)).digest).toBe(one.descriptor.digest);
    await expect(target.tag(one.descriptor, 'fine', 'not a tag')).rejects.toMatchObject({ code: 'INVALID_REFERENCE' });
    expect(await target.tags()).toEqual(['prod', 'stable', 'v2']);
  });

  it('fails fetches of tampered blobs with DIGEST_MISMATCH and of truncated ones with SIZE_MISMATCH', async () => {
    const target = await layout();
    const { descriptor, source } = blobOf('precious');
    await target.push(descriptor, source);
    const path = target.blobPath(descriptor.digest);
    await chmod(path, 0o644);
    await writeFile(path, 'PRECIOUS');
    await expect(readAll(await target.fetch(descriptor))).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    await writeFile(path, 'pre');
    await expect(readAll(await target.fetch(descriptor))).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
  });

  it('refuses content that does not match its descriptor and leaves no blob behind', async () => {
    const target = await layout();
    const { descriptor } = blobOf('real');
    await expect(target.push(descriptor, bytesSource(new TextEncoder().encode('fake')))).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect(await target.exists(descriptor)).toBe(false);
  });

  it('finds referrers by subject and deletes manifests from index.json', async () => {
    const target = await layout();
    const subject = packLayers([blobOf('data')], { created: null });
    await pushPacked(target, subject, { tag: 'v1' });
    const sig = packLayers([blobOf('sig')], { created: null, subject: subject.descriptor, artifactType: 'application/vnd.example.sig' });
    const sbom = packLayers([blobOf('sbom')], { created: null, subject: subject.descriptor, artifactType: 'application/spdx+json' });
    await pushPacked(target, sig);
    await pushPacked(target, sbom);
    expect((await target.referrers(subject.descriptor)).map((d) => d.digest).sort()).toEqual([sig.descriptor.digest, sbom.descriptor.digest].sort());
    expect((await target.referrers(subject.descriptor, { artifactType: 'application/spdx+json' })).map((d) => d.digest)).toEqual([sbom.descriptor.digest]);
    await target.delete(sig.descriptor);
    expect((await target.referrers(subject.descriptor)).map((d) => d.digest)).toEqual([sbom.descriptor.digest]);
    await expect(target.delete(sig.descriptor)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('answers NOT_FOUND for unknown tags, digests and directories that are no layout', async () => {
    const target = await layout();
    await expect(target.resolve('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await target.init();
    await expect(target.resolve('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(target.resolve(`sha256:${'c'.repeat(64)}`)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(target.resolve('bad tag!')).rejects.toMatchObject({ code: 'INVALID_REFERENCE' });
    expect(await target.referrers({ mediaType: 'x/y', digest: `sha256:${'c'.repeat(64)}`, size: 1 })).toEqual([]);
  });

  it('refuses a directory whose oci-layout marker is foreign', async () => {
    const target = await layout();
    await target.init();
    await writeFile(join(target.root, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '9.9.9' }));
    await expect(target.init()).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('keeps every entry when separate processes tag into the same index.json at once', async () => {
    const target = await layout();
    await target.init();
    const writers = 6;
    const perWriter = 5;
    const script = fileURLToPath(new URL('../../test/fixtures/layout-writer.ts', import.meta.url));
    await Promise.all(
      Array.from(
        { length: writers },
        (_, w) =>
          new Promise<void>((resolve, reject) => {
            const child = spawn(process.execPath, [script, target.root, String(w), String(perWriter)], { stdio: ['ignore', 'ignore', 'pipe'] });
            let err = '';
            child.stderr.on('data', (c: Buffer) => (err += c.toString()));
            child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${w} exited ${code}: ${err}`))));
          }),
      ),
    );
    const tags = await target.tags();
    expect(tags).toHaveLength(writers * perWriter);
  });
});

describe('a layout folder is read within the manifest bound (4 MiB)', () => {
  it('an index.json over the bound is MANIFEST_TOO_LARGE, not read whole', async () => {
    const target = await layout();
    await target.init();
    const entry = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256Of('x'), size: 1 };
    const huge = { schemaVersion: 2, manifests: Array.from({ length: 60_000 }, (_, i) => ({ ...entry, annotations: { 'org.opencontainers.image.ref.name': `t${i}` } })) };
    await writeFile(join(target.root, 'index.json'), JSON.stringify(huge));
    await expect(target.tags()).rejects.toMatchObject({ code: 'MANIFEST_TOO_LARGE' });
    await expect(target.resolve('t1')).rejects.toMatchObject({ code: 'MANIFEST_TOO_LARGE' });
  });

  it('a blob over the bound resolved by digest as a manifest is MANIFEST_TOO_LARGE', async () => {
    const target = await layout();
    const big = new Uint8Array(5 * 1024 * 1024).fill(0x20);
    const descriptor: Descriptor = { mediaType: 'application/octet-stream', digest: sha256Of(big), size: big.byteLength };
    await target.push(descriptor, bytesSource(big));
    await expect(target.resolve(descriptor.digest)).rejects.toMatchObject({ code: 'MANIFEST_TOO_LARGE' });
  });
});
