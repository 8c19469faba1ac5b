import { mkdir, mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tarStream from 'tar-stream';
import { describe, expect, inject, it } from 'vitest';
import { uniqueRepository } from '@sealpack/test-registry';
import { backup, bytesSource, discoverReferrers, packLayers, pushPacked, restore, sha256Of, type Descriptor, type Target } from '../src/index.ts';
import { extractLayoutArchive } from '../src/entries/layout.ts';
import { RegistryTarget } from '../src/entries/registry.ts';

const registries = inject('registries');

async function pushArtifact(target: Target, text: string, options: { subject?: Descriptor; tag?: string } = {}): Promise<Descriptor> {
  const bytes = new TextEncoder().encode(text);
  const artifact = packLayers([{ descriptor: { mediaType: 'text/plain', digest: sha256Of(bytes), size: bytes.byteLength }, source: bytesSource(bytes) }], {
    created: null,
    ...(options.subject === undefined ? {} : { subject: options.subject }),
  });
  await pushPacked(target, artifact, options.tag === undefined ? {} : { tag: options.tag });
  return artifact.descriptor;
}

describe('backup and restore', () => {
  it.each(['backup-dir', 'backup.tar'])('round-trips an artifact and its referrers through %s with digests unchanged', async (name) => {
    const dir = await mkdtemp(join(tmpdir(), 'sealpack-backup-'));
    const from = new RegistryTarget(registries.anonymous.host, uniqueRepository());
    const subject = await pushArtifact(from, 'deliverable', { tag: 'v3' });
    const sbom = await pushArtifact(from, 'sbom', { subject });
    const sbomSig = await pushArtifact(from, 'sig', { subject: sbom });
    const saved = await backup(from, 'v3', join(dir, name));
    expect(saved.tag).toBe('v3');
    expect(saved.manifests).toBe(3);
    if (name.endsWith('.tar')) expect((await readdir(dir)).sort()).toEqual(['backup.tar']);
    const to = new RegistryTarget(registries.anonymous.host, uniqueRepository());
    const restored = await restore(join(dir, name), to);
    expect(restored.root.digest).toBe(subject.digest);
    expect((await to.resolve('v3')).digest).toBe(subject.digest);
    const tree = await discoverReferrers(to, subject, { depth: 4 });
    expect(tree.referrers[0]?.descriptor.digest).toBe(sbom.digest);
    expect(tree.referrers[0]?.referrers[0]?.descriptor.digest).toBe(sbomSig.digest);
  });

  it('refuses archives with entries outside an OCI layout, and truncated ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sealpack-tar-'));
    const entry = (name: string, body: string, type = '0') => {
      const block = Buffer.alloc(512, 0);
      block.write(name, 0, 100);
      block.write('0000644\0', 100);
      block.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
      block.write('00000000000\0', 136);
      block.write('        ', 148);
      block.write(type, 156);
      block.write('ustar\0', 257);
      let sum = 0;
      for (const b of block) sum += b;
      block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
      return Buffer.concat([block, Buffer.from(body), Buffer.alloc((512 - (body.length % 512)) % 512)]);
    };
    const cases: Array<[string, Buffer]> = [
      ['escape.tar', Buffer.concat([entry('../escape.txt', 'x'), Buffer.alloc(1024)])],
      ['absolute.tar', Buffer.concat([entry('/etc/cron.d/x', 'x'), Buffer.alloc(1024)])],
      ['link.tar', Buffer.concat([entry('index.json', '', '2'), Buffer.alloc(1024)])],
      ['truncated.tar', entry('index.json', '{"schemaVersion":2,"manifests":[]}').subarray(0, 530)],
      ['garbage.tar', Buffer.alloc(1024, 7)],
    ];
    for (const [name, bytes] of cases) {
      await writeFile(join(dir, name), bytes);
      await expect(extractLayoutArchive(join(dir, name))).rejects.toMatchObject({ code: expect.stringMatching(/PATH_TRAVERSAL|INVALID_INPUT/) });
    }
    expect((await readdir(dir)).filter((n) => n.startsWith('.sealpack-restore-'))).toEqual([]);
  });

  it('writes nothing through a link already in the folder it extracts into', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sealpack-tar-'));
    const pack = tarStream.pack();
    const hex = 'a'.repeat(64);
    pack.entry({ name: `blobs/sha256/${hex}` }, 'through the link');
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
    await writeFile(join(dir, 'layout.tar'), Buffer.concat(chunks));
    await mkdir(join(dir, 'into'));
    await mkdir(join(dir, 'outside'));
    await symlink(join(dir, 'outside'), join(dir, 'into', 'blobs'));
    await expect(extractLayoutArchive(join(dir, 'layout.tar'), join(dir, 'into'))).rejects.toMatchObject({ code: 'OUTPUT_CONFLICT' });
    expect(await readdir(join(dir, 'outside'))).toEqual([]);
  });
});
