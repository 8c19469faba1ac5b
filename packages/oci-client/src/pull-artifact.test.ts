import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesSource } from './content.ts';
import { sha256Of } from './digest.ts';
import type { DigestCache } from './digest-cache.ts';
import { LayoutTarget } from './layout/layout-target.ts';
import { packLayers, type PackedLayer } from './pack.ts';
import { pullArtifact } from './pull-artifact.ts';
import { pushPacked } from './push-artifact.ts';
import type { ReadOnlyTarget } from './target.ts';

function layer(title: string | undefined, text = `content of ${title}`): PackedLayer {
  const bytes = new TextEncoder().encode(text);
  return {
    descriptor: { mediaType: 'text/plain', digest: sha256Of(bytes), size: bytes.byteLength, ...(title === undefined ? {} : { annotations: { 'org.opencontainers.image.title': title } }) },
    source: bytesSource(bytes),
  };
}

async function setup(layers: PackedLayer[]) {
  const dir = await mkdtemp(join(tmpdir(), 'sealpack-pull-'));
  const target = new LayoutTarget(join(dir, 'lay'));
  await pushPacked(target, packLayers(layers, { created: null }), { tag: 'v1' });
  return { dir, target, out: join(dir, 'out') };
}

describe('pullArtifact', () => {
  it('writes titled layers, including into subdirectories, and skips untitled ones', async () => {
    const { target, out } = await setup([layer('a.txt'), layer('nested/dir/b.txt'), layer(undefined, 'anonymous')]);
    const result = await pullArtifact(target, 'v1', out);
    expect(result.files.map((f) => f.title)).toEqual(['a.txt', 'nested/dir/b.txt']);
    expect(result.skipped).toHaveLength(1);
    expect(await readFile(join(out, 'nested/dir/b.txt'), 'utf8')).toBe('content of nested/dir/b.txt');
  });

  it.each(['../escape.txt', 'a/../../escape.txt', '/etc/passwd', 'C:/windows.txt', 'back\\slash.txt', '..'])('refuses the title %j before writing anything', async (title) => {
    const { dir, target, out } = await setup([layer('fine.txt'), layer(title)]);
    await expect(pullArtifact(target, 'v1', out)).rejects.toMatchObject({ code: 'PATH_TRAVERSAL' });
    // Not even the output directory appears before every title is checked.
    expect((await readdir(dir)).sort()).toEqual(['lay']);
  });

  it('refuses a title whose parent directory is a symbolic link', async () => {
    const { dir, target, out } = await setup([layer('linked/x.txt')]);
    await mkdir(out, { recursive: true });
    await mkdir(join(dir, 'elsewhere'));
    await symlink(join(dir, 'elsewhere'), join(out, 'linked'));
    await expect(pullArtifact(target, 'v1', out)).rejects.toMatchObject({ code: 'OUTPUT_CONFLICT', kind: 'input' });
    expect(await readdir(join(dir, 'elsewhere'))).toEqual([]);
  });

  it('writes nothing through a link already in the output directory, even with overwrite', async () => {
    const { dir, target, out } = await setup([layer('a.txt'), layer('b.txt')]);
    await mkdir(out, { recursive: true });
    await writeFile(join(dir, 'outside.txt'), 'outside');
    await symlink(join(dir, 'outside.txt'), join(out, 'b.txt'));
    for (const overwrite of [false, true]) {
      await expect(pullArtifact(target, 'v1', out, { overwrite })).rejects.toMatchObject({ code: 'OUTPUT_CONFLICT', message: expect.stringMatching(/b\.txt is a symbolic link/) });
      expect(await readFile(join(dir, 'outside.txt'), 'utf8')).toBe('outside');
      expect((await readdir(out)).sort()).toEqual(['b.txt']);
    }
  });

  it('finds a conflict on the last file before writing the first: a folder where a file goes, a file where a folder goes', async () => {
    const { target, out } = await setup([layer('a.txt'), layer('b.txt'), layer('c.txt'), layer('sub/d.txt')]);
    await mkdir(join(out, 'c.txt'), { recursive: true });
    await expect(pullArtifact(target, 'v1', out, { overwrite: true, concurrency: 1 })).rejects.toMatchObject({ code: 'OUTPUT_CONFLICT', message: expect.stringMatching(/c\.txt is a folder/) });
    expect(await readdir(out)).toEqual(['c.txt']);
    await rm(join(out, 'c.txt'), { recursive: true });
    await writeFile(join(out, 'sub'), 'a file');
    await expect(pullArtifact(target, 'v1', out, { overwrite: true, concurrency: 1 })).rejects.toMatchObject({
      code: 'OUTPUT_CONFLICT',
      message: expect.stringMatching(/sub is a file where a folder must be/),
    });
    expect(await readdir(out)).toEqual(['sub']);
  });

  it('refuses a file that appears, or becomes a link, while the layers are fetched, and writes none', async () => {
    const { dir, target, out } = await setup([layer('a.txt'), layer('b.txt')]);
    await writeFile(join(dir, 'outside.txt'), 'outside');
    // The destination changes between the first check and the move into place.
    const racing: ReadOnlyTarget = Object.assign(Object.create(target) as ReadOnlyTarget, {
      fetchToFile: async (...args: Parameters<ReadOnlyTarget['fetchToFile']>) => {
        await symlink(join(dir, 'outside.txt'), join(out, 'b.txt')).catch(() => undefined);
        return target.fetchToFile(...args);
      },
    });
    await expect(pullArtifact(racing, 'v1', out, { overwrite: true })).rejects.toMatchObject({ code: 'OUTPUT_CONFLICT' });
    expect(await readFile(join(dir, 'outside.txt'), 'utf8')).toBe('outside');
    expect(await readdir(out)).toEqual(['b.txt']);
  });

  it('does not overwrite unless asked, and replaces atomically when asked', async () => {
    const { target, out } = await setup([layer('a.txt')]);
    await mkdir(out, { recursive: true });
    // Same size as the layer, other bytes: only the digest tells them apart.
    await writeFile(join(out, 'a.txt'), 'CONTENT OF A.TXT');
    await expect(pullArtifact(target, 'v1', out)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(await readFile(join(out, 'a.txt'), 'utf8')).toBe('CONTENT OF A.TXT');
    const result = await pullArtifact(target, 'v1', out, { overwrite: true });
    expect(result.files.map((f) => f.kept)).toEqual([false]);
    expect(await readFile(join(out, 'a.txt'), 'utf8')).toBe('content of a.txt');
  });

  it('keeps a file that already holds the layer, without downloading or rewriting it', async () => {
    const { target, out } = await setup([layer('a.txt'), layer('b.txt')]);
    await pullArtifact(target, 'v1', out);
    const before = await stat(join(out, 'a.txt'));
    // b.txt changed locally: without --overwrite that is still refused, with it b.txt alone comes again.
    await writeFile(join(out, 'b.txt'), 'edited');
    await expect(pullArtifact(target, 'v1', out)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    const progress: number[] = [];
    const again = await pullArtifact(target, 'v1', out, { overwrite: true, onProgress: (_done, total) => progress.push(total) });
    expect(again.files.map((f) => [f.title, f.kept])).toEqual([
      ['a.txt', true],
      ['b.txt', false],
    ]);
    expect(new Set(progress)).toEqual(new Set([layer('b.txt').descriptor.size]));
    const after = await stat(join(out, 'a.txt'));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(await readFile(join(out, 'b.txt'), 'utf8')).toBe('content of b.txt');
    // Everything in place: a plain pull succeeds and keeps all.
    expect((await pullArtifact(target, 'v1', out)).files.every((f) => f.kept)).toBe(true);
  });

  it("takes the digest cache's word for an unchanged file and reads it only when the cache does not know it", async () => {
    const { target, out } = await setup([layer('a.txt')]);
    await pullArtifact(target, 'v1', out);
    const path = join(out, 'a.txt');
    const lookups: string[] = [];
    const learned: string[] = [];
    const cache: DigestCache = {
      lookup: (p) => {
        lookups.push(p);
        return undefined;
      },
      remember: (p, _identity, digest) => learned.push(`${p} ${digest}`),
    };
    await pullArtifact(target, 'v1', out, { digestCache: cache });
    expect(lookups).toEqual([path]);
    expect(learned).toEqual([`${path} ${layer('a.txt').descriptor.digest}`]);
    // A cache that vouches for the file is believed: no read, so the file is kept as it is.
    const vouching: DigestCache = { lookup: () => layer('a.txt').descriptor.digest, remember: () => undefined };
    await writeFile(path, 'CONTENT OF A.TXT');
    expect((await pullArtifact(target, 'v1', out, { digestCache: vouching })).files[0]?.kept).toBe(true);
  });

  it('writes no file at all when one layer fails verification', async () => {
    const { target, out } = await setup([layer('good.txt'), layer('bad.txt')]);
    const bad = layer('bad.txt').descriptor;
    const { chmod } = await import('node:fs/promises');
    await chmod(target.blobPath(bad.digest), 0o644);
    await writeFile(target.blobPath(bad.digest), 'content of BAD.txt');
    await expect(pullArtifact(target, 'v1', out, { concurrency: 1 })).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    // All or nothing: the good file, verified first, is not left behind alone either.
    expect(await readdir(out)).toEqual([]);
  });

  it('refuses titles a and a/b in one manifest before writing anything', async () => {
    const { target, out } = await setup([layer('z.txt'), layer('a'), layer('a/b')]);
    await expect(pullArtifact(target, 'v1', out)).rejects.toMatchObject({ code: 'PATH_CONFLICT', kind: 'verification', message: expect.stringMatching(/'a' and 'a\/b' cannot both be files/) });
    await expect(readdir(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses an output path that is a file, or lies below one, with a typed input error', async () => {
    const { dir, target } = await setup([layer('a.txt')]);
    await writeFile(join(dir, 'file'), 'x');
    await expect(pullArtifact(target, 'v1', join(dir, 'file'))).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/exists and is not a directory/) });
    await expect(pullArtifact(target, 'v1', join(dir, 'file', 'below'))).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/a part of its path is a file/) });
    expect(await readFile(join(dir, 'file'), 'utf8')).toBe('x');
  });

  it('refuses to pull an image index as if it were an artifact', async () => {
    const { target, out } = await setup([layer('a.txt')]);
    const child = await target.resolve('v1');
    const bytes = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [child] }));
    await target.push({ mediaType: 'application/vnd.oci.image.index.v1+json', digest: sha256Of(bytes), size: bytes.byteLength }, bytesSource(bytes), { tag: 'idx' });
    await expect(pullArtifact(target, 'idx', out)).rejects.toMatchObject({ code: 'INVALID_INPUT', kind: 'input' });
  });
});
