import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { bytesSource } from './content.ts';
import { sha256Of } from './digest.ts';
import { ANNOTATION_ORAS_TAR_DIGEST, ANNOTATION_ORAS_UNPACK, MEDIA_TYPE_TAR_GZIP } from './directory-layer.ts';
import { LayoutTarget } from './layout/layout-target.ts';
import { packLayers } from './pack.ts';
import { pullArtifact } from './pull-artifact.ts';
import { pushFiles, pushPacked } from './push-artifact.ts';

async function tree(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sealpack-tree-'));
  await mkdir(join(dir, 'tiles', 'z10'), { recursive: true });
  await writeFile(join(dir, 'tiles', 'z10', 'a.pbf'), 'tile a');
  await writeFile(join(dir, 'tiles', 'meta.json'), '{"zoom":10}');
  await mkdir(join(dir, 'tiles', 'empty'));
  return dir;
}

/** Pushes a .tar.gz as a folder layer titled `title`, the way oras marks one. */
async function pushFolderLayer(gz: Buffer, title: string, tarDigest?: string) {
  const dir = await mkdtemp(join(tmpdir(), 'sealpack-hostile-'));
  const target = new LayoutTarget(join(dir, 'lay'));
  const annotations: Record<string, string> = {
    'org.opencontainers.image.title': title,
    [ANNOTATION_ORAS_UNPACK]: 'true',
    ...(tarDigest === undefined ? {} : { [ANNOTATION_ORAS_TAR_DIGEST]: tarDigest }),
  };
  await pushPacked(target, packLayers([{ descriptor: { mediaType: MEDIA_TYPE_TAR_GZIP, digest: sha256Of(gz), size: gz.byteLength, annotations }, source: bytesSource(gz) }], { created: null }), {
    tag: 'v1',
  });
  return { target, out: join(dir, 'out') };
}

async function tarOf(entries: Array<{ name: string; type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device'; body?: string; linkname?: string }>): Promise<Buffer> {
  const pack = tarStream.pack();
  for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', ...(e.linkname === undefined ? {} : { linkname: e.linkname }) }, e.body ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

describe('folders travel as oras sends them: one tar+gzip layer, unpacked on pull', () => {
  it('pushes a folder as one annotated layer and pulls the same tree back; the same tree gives the same digest', async () => {
    const src = await tree();
    const target = new LayoutTarget(join(src, '..', `${src.split('/').pop()}-lay`));
    const pushed = await pushFiles(target, [{ path: join(src, 'tiles') }], { tag: 'v1', created: null });
    const [layer] = pushed.artifact.manifest.layers;
    expect(layer?.mediaType).toBe(MEDIA_TYPE_TAR_GZIP);
    expect(layer?.annotations).toMatchObject({ 'org.opencontainers.image.title': 'tiles', [ANNOTATION_ORAS_UNPACK]: 'true', [ANNOTATION_ORAS_TAR_DIGEST]: expect.stringMatching(/^sha256:/) });
    // The tar digest annotation is the digest of the gunzipped layer.
    const gz = await readFile(join(src, '..', `${src.split('/').pop()}-lay`, 'blobs', 'sha256', (layer?.digest ?? '').slice(7)));
    expect(`sha256:${createHash('sha256').update(gunzipSync(gz)).digest('hex')}`).toBe(layer?.annotations?.[ANNOTATION_ORAS_TAR_DIGEST]);
    const again = await pushFiles(target, [{ path: join(src, 'tiles') }], { tag: 'v2', created: null });
    expect(again.descriptor.digest).toBe(pushed.descriptor.digest);

    const out = join(src, 'out');
    const pulled = await pullArtifact(target, 'v1', out);
    expect(pulled.files).toMatchObject([{ title: 'tiles', unpacked: true }]);
    expect(await readFile(join(out, 'tiles', 'z10', 'a.pbf'), 'utf8')).toBe('tile a');
    expect(await readFile(join(out, 'tiles', 'meta.json'), 'utf8')).toBe('{"zoom":10}');
    expect((await lstat(join(out, 'tiles', 'empty'))).isDirectory()).toBe(true);
    expect((await readdir(out)).sort()).toEqual(['tiles']);
    // Pulled again, the folder is there: replaced only when asked.
    await expect(pullArtifact(target, 'v1', out)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await pullArtifact(target, 'v1', out, { overwrite: true });
    expect(await readFile(join(out, 'tiles', 'z10', 'a.pbf'), 'utf8')).toBe('tile a');
  });

  it('refuses to push a folder holding a symbolic link', async () => {
    const src = await tree();
    await symlink('/etc/passwd', join(src, 'tiles', 'passwd'));
    await expect(pushFiles(new LayoutTarget(join(src, 'lay')), [{ path: join(src, 'tiles') }], { created: null })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/symbolic link/),
    });
  });

  it('unpacks a layer made by GNU tar as oras makes one (entries under the title, real modes and times)', async () => {
    const src = await tree();
    const { stdout } = await promisify(execFile)('tar', ['-czf', '-', 'tiles'], { cwd: src, encoding: 'buffer', maxBuffer: 1 << 20 });
    const gz = Buffer.from(stdout);
    const { target, out } = await pushFolderLayer(gz, 'tiles', `sha256:${createHash('sha256').update(gunzipSync(gz)).digest('hex')}`);
    await pullArtifact(target, 'v1', out);
    expect(await readFile(join(out, 'tiles', 'z10', 'a.pbf'), 'utf8')).toBe('tile a');
  });

  it('keeps links that stay inside the folder', async () => {
    const gz = gzipSync(
      await tarOf([
        { name: 'd/', type: 'directory' },
        { name: 'd/a.txt', body: 'a' },
        { name: 'd/link', type: 'symlink', linkname: 'a.txt' },
      ]),
    );
    const { target, out } = await pushFolderLayer(gz, 'd');
    await pullArtifact(target, 'v1', out);
    expect(await readlink(join(out, 'd', 'link'))).toBe('a.txt');
  });

  it.each([
    ['a parent-directory name', [{ name: 'd/../escape.txt', body: 'x' }]],
    ['an absolute name', [{ name: '/tmp/escape.txt', body: 'x' }]],
    ['a name with a doubled root', [{ name: '//tmp/escape.txt', body: 'x' }]],
    ['a drive-relative name (CVE-2021-37713)', [{ name: 'C:d/escape.txt', body: 'x' }]],
    ['an entry outside the title', [{ name: 'other/x.txt', body: 'x' }]],
    ['a link out of the folder', [{ name: 'd/passwd', type: 'symlink' as const, linkname: '../../etc/passwd' }]],
    ['an absolute link', [{ name: 'd/passwd', type: 'symlink' as const, linkname: '/etc/passwd' }]],
    [
      'a hard link',
      [
        { name: 'd/a', body: 'a' },
        { name: 'd/b', type: 'link' as const, linkname: 'd/a' },
      ],
    ],
    ['a device', [{ name: 'd/dev', type: 'character-device' as const }]],
  ])('refuses %s and leaves nothing behind', async (_, entries) => {
    const gz = gzipSync(await tarOf([{ name: 'd/good.txt', body: 'fine' }, ...entries]));
    const { target, out } = await pushFolderLayer(gz, 'd');
    await expect(pullArtifact(target, 'v1', out)).rejects.toMatchObject({ code: 'PATH_TRAVERSAL' });
    expect(await readdir(out)).toEqual([]);
  });

  it('judges a link by where it lands on disk: a chain through `a -> .` that climbs out is refused and nothing is written beside the output', async () => {
    // Textually `d/a/a/a/b -> ../../..` stays in `d`; on disk `d/a` is `d`, so `b` lands two levels above the output.
    const gz = gzipSync(
      await tarOf([
        { name: 'd/', type: 'directory' },
        { name: 'd/a', type: 'symlink', linkname: '.' },
        { name: 'd/a/a/a/b', type: 'symlink', linkname: '../../..' },
        { name: 'd/b/escaped.txt', body: 'written through the link' },
      ]),
    );
    const { target, out } = await pushFolderLayer(gz, 'd');
    await expect(pullArtifact(target, 'v1', out)).rejects.toMatchObject({ code: 'PATH_TRAVERSAL' });
    expect((await readdir(join(out, '..'))).sort()).toEqual(['lay', 'out']);
    expect(await readdir(out)).toEqual([]);
  });

  it('refuses a layer whose tar is not the one its annotation names, and one that is not a tar+gzip', async () => {
    const gz = gzipSync(await tarOf([{ name: 'd/a.txt', body: 'a' }]));
    const wrong = await pushFolderLayer(gz, 'd', sha256Of(new TextEncoder().encode('another tar')));
    await expect(pullArtifact(wrong.target, 'v1', wrong.out)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect(await readdir(wrong.out)).toEqual([]);
    const garbage = await pushFolderLayer(Buffer.from('not gzip at all'), 'd');
    await expect(pullArtifact(garbage.target, 'v1', garbage.out)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await readdir(garbage.out)).toEqual([]);
  });
});

/** A folder beside the output that a hostile layer must leave exactly as it was. */
async function canaryBeside(out: string): Promise<() => Promise<string[]>> {
  const canary = join(out, '..', 'canary');
  await mkdir(join(canary, 'sub'), { recursive: true });
  await writeFile(join(canary, 'secret.txt'), 'secret');
  const snapshot = async () => {
    const names = (await readdir(join(out, '..'), { recursive: true })).filter((n) => !n.startsWith('out') && !n.startsWith('lay')).sort();
    return Promise.all(names.map(async (n) => `${n} ${(await lstat(join(out, '..', n))).isFile() ? await readFile(join(out, '..', n), 'utf8') : 'dir'}`));
  };
  return snapshot;
}

describe('a hostile folder layer creates, changes and reads nothing outside its folder (node-tar and oras-go advisories)', () => {
  it.each([
    [
      'a folder entry after a link of the same name (CVE-2021-32803)',
      'PATH_CONFLICT',
      [
        { name: 'd/sub/', type: 'directory' as const },
        { name: 'd/x', type: 'symlink' as const, linkname: 'sub' },
        { name: 'd/x/', type: 'directory' as const },
        { name: 'd/x/f.txt', body: 'through the link' },
      ],
    ],
    [
      'a file below a link, even one that points inside',
      'PATH_TRAVERSAL',
      [
        { name: 'd/sub/', type: 'directory' as const },
        { name: 'd/x', type: 'symlink' as const, linkname: 'sub' },
        { name: 'd/x/f.txt', body: 'through the link' },
      ],
    ],
    [
      'a file entry after a link of the same name (a duplicate written through the link)',
      'PATH_CONFLICT',
      [
        { name: 'd/a.txt', body: 'a' },
        { name: 'd/link', type: 'symlink' as const, linkname: 'a.txt' },
        { name: 'd/link', body: 'replaced through the link' },
      ],
    ],
    [
      'a long (pax) name linked to the folder, then a folder of that name (CVE-2021-37701)',
      'PATH_CONFLICT',
      [
        { name: `d/${'x'.repeat(150)}`, type: 'symlink' as const, linkname: '.' },
        { name: `d/${'x'.repeat(150)}/`, type: 'directory' as const },
        { name: `d/${'x'.repeat(150)}/f.txt`, body: 'through the link' },
      ],
    ],
    [
      'a link whose missing middle is later made a link to the folder, so it climbs out',
      'PATH_TRAVERSAL',
      [
        { name: 'd/L', type: 'symlink' as const, linkname: 'p/p/p/../../../canary/secret.txt' },
        { name: 'd/p', type: 'symlink' as const, linkname: '.' },
      ],
    ],
    [
      'links that loop',
      'PATH_TRAVERSAL',
      [
        { name: 'd/a', type: 'symlink' as const, linkname: 'b' },
        { name: 'd/b', type: 'symlink' as const, linkname: 'a' },
      ],
    ],
    ['a hard link out of the folder (oras-go file store)', 'PATH_TRAVERSAL', [{ name: 'd/h', type: 'link' as const, linkname: '../../canary/secret.txt' }]],
  ])('refuses %s', async (_, code, entries) => {
    const { target, out } = await pushFolderLayer(gzipSync(await tarOf([{ name: 'd/good.txt', body: 'fine' }, ...entries])), 'd');
    const snapshot = await canaryBeside(out);
    const before = await snapshot();
    await expect(pullArtifact(target, 'v1', out)).rejects.toMatchObject({ code });
    expect(await snapshot()).toEqual(before);
    expect(await readdir(out)).toEqual([]);
  });

  it('keeps names that differ only in Unicode normalisation apart, as the file system does (CVE-2021-37712)', async () => {
    const entries = [
      { name: 'd/\u00e9', type: 'symlink' as const, linkname: '.' },
      { name: 'd/e\u0301/f.txt', body: 'in a real folder' },
    ];
    const { target, out } = await pushFolderLayer(gzipSync(await tarOf(entries)), 'd');
    const snapshot = await canaryBeside(out);
    const before = await snapshot();
    // Where the file system folds the two names into one, the second is refused as a path through a link.
    await pullArtifact(target, 'v1', out).catch((error: unknown) => expect(error).toMatchObject({ code: 'PATH_TRAVERSAL' }));
    expect(await snapshot()).toEqual(before);
  });
});
