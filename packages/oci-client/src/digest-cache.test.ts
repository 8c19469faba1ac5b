import { stat, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { describeFile } from './content.ts';
import { sha256Of, type Digest } from './digest.ts';
import { defaultDigestCachePath, fileIdentity, FileDigestCache } from './digest-cache.ts';
import { LayoutTarget } from './layout/layout-target.ts';
import { pushFiles } from './push-artifact.ts';

async function workDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'sealpack-digest-cache-'));
}

/** A file whose last change is safely in the past for a cache that wants files settled for 1 ms. */
async function settledFile(path: string, content: string): Promise<void> {
  await writeFile(path, content);
  await sleep(20);
}

const digestOfText = (text: string): Digest => sha256Of(new TextEncoder().encode(text));

describe('FileDigestCache', () => {
  it('remembers a hashed file across instances and answers without reading it', async () => {
    const dir = await workDir();
    const file = join(dir, 'tiles.pmtiles');
    await settledFile(file, 'tiles v1');
    const cachePath = join(dir, 'cache', 'file-digests.json');
    const first = await FileDigestCache.open(cachePath, { settleMs: 1 });
    expect((await describeFile(file, 'application/octet-stream', undefined, { cache: first })).digest).toBe(digestOfText('tiles v1'));
    await first.save();
    expect((await stat(cachePath)).mode & 0o777).toBe(0o600);

    const second = await FileDigestCache.open(cachePath, { settleMs: 1 });
    const identity = fileIdentity(await stat(file, { bigint: true }));
    expect(second.lookup(file, identity)).toBe(digestOfText('tiles v1'));
    // The cached answer is what describeFile returns, whatever the bytes say: proof it did not read.
    const planted = `sha256:${'ab'.repeat(32)}` as Digest;
    second.remember(file, identity, planted, Date.now());
    expect((await describeFile(file, 'application/octet-stream', undefined, { cache: second })).digest).toBe(planted);
  });

  it('misses once the file is rewritten, even with the same size', async () => {
    const dir = await workDir();
    const file = join(dir, 'data.geojson');
    await settledFile(file, 'AAAA');
    const cache = await FileDigestCache.open(join(dir, 'c.json'), { settleMs: 1 });
    await describeFile(file, 'application/geo+json', undefined, { cache });
    await writeFile(file, 'BBBB');
    expect((await describeFile(file, 'application/geo+json', undefined, { cache })).digest).toBe(digestOfText('BBBB'));
  });

  it('does not remember a file changed too recently to trust its timestamps', async () => {
    const dir = await workDir();
    const file = join(dir, 'fresh.txt');
    await writeFile(file, 'just written');
    const cache = await FileDigestCache.open(join(dir, 'c.json'));
    await describeFile(file, 'text/plain', undefined, { cache });
    expect(cache.lookup(file, fileIdentity(await stat(file, { bigint: true })))).toBeUndefined();
  });

  it('starts afresh from a corrupt or foreign cache file instead of failing', async () => {
    const dir = await workDir();
    const cachePath = join(dir, 'c.json');
    const file = join(dir, 'a.txt');
    await settledFile(file, 'a');
    const identity = fileIdentity(await stat(file, { bigint: true }));
    for (const content of ['{not json', '{"version":2,"entries":{}}', `{"version":1,"entries":{"${file}":{"digest":"md5:x"}}}`]) {
      await writeFile(cachePath, content);
      const cache = await FileDigestCache.open(cachePath, { settleMs: 1 });
      expect(cache.lookup(file, identity)).toBeUndefined();
      cache.remember(file, identity, digestOfText('a'), Date.now());
      await cache.save();
      expect(JSON.parse(await readFile(cachePath, 'utf8'))).toMatchObject({ version: 1, entries: { [file]: { digest: digestOfText('a') } } });
    }
  });

  it('merges with what another process saved meanwhile instead of overwriting it', async () => {
    const dir = await workDir();
    const cachePath = join(dir, 'c.json');
    const [a, b] = [join(dir, 'a.txt'), join(dir, 'b.txt')];
    await settledFile(a, 'a');
    await settledFile(b, 'b');
    const one = await FileDigestCache.open(cachePath, { settleMs: 1 });
    const two = await FileDigestCache.open(cachePath, { settleMs: 1 });
    await describeFile(a, 'text/plain', undefined, { cache: one });
    await describeFile(b, 'text/plain', undefined, { cache: two });
    await one.save();
    await two.save();
    const reread = await FileDigestCache.open(cachePath);
    expect(reread.lookup(a, fileIdentity(await stat(a, { bigint: true })))).toBe(digestOfText('a'));
    expect(reread.lookup(b, fileIdentity(await stat(b, { bigint: true })))).toBe(digestOfText('b'));
  });

  it('keeps the most recently used 5000 entries', async () => {
    const dir = await workDir();
    const cachePath = join(dir, 'c.json');
    let clock = 1_000_000;
    const cache = await FileDigestCache.open(cachePath, { now: () => clock });
    const identity = { dev: '1', ino: '1', size: 1, mtimeNs: '0', ctimeNs: '0' };
    for (let i = 0; i < 5001; i++) {
      clock++;
      cache.remember(join(dir, `f${i}`), { ...identity, ino: String(i) }, digestOfText(String(i)), clock);
    }
    await cache.save();
    const entries = Object.keys((JSON.parse(await readFile(cachePath, 'utf8')) as { entries: Record<string, unknown> }).entries);
    expect(entries).toHaveLength(5000);
    expect(entries).not.toContain(join(dir, 'f0'));
    expect(entries).toContain(join(dir, 'f5000'));
  });

  it('lives under SEALPACK_CACHE_DIR, XDG_CACHE_HOME or ~/.cache', () => {
    expect(defaultDigestCachePath({ SEALPACK_CACHE_DIR: '/c' })).toBe('/c/file-digests.json');
    expect(defaultDigestCachePath({ XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/x/sealpack/file-digests.json');
    expect(defaultDigestCachePath({ HOME: '/h' })).toBe('/h/.cache/sealpack/file-digests.json');
  });
});

describe('pushFiles with a digest cache', () => {
  it('takes an unchanged file by its cached digest, and fails rather than trusting it for a blob the target lacks', async () => {
    const dir = await workDir();
    const file = join(dir, 'model.bin');
    await settledFile(file, 'weights');
    const target = new LayoutTarget(join(dir, 'layout'));
    const cache = await FileDigestCache.open(join(dir, 'c.json'), { settleMs: 1 });
    const first = await pushFiles(target, [{ path: file }], { digestCache: cache, created: null });
    expect(first.artifact.layers[0]?.descriptor.digest).toBe(digestOfText('weights'));
    const again = await pushFiles(target, [{ path: file }], { digestCache: cache, created: null });
    expect(again.descriptor.digest).toBe(first.descriptor.digest);

    // A cache entry that lies about the content is caught by the target's digest check on upload.
    const liar = await FileDigestCache.open(join(dir, 'liar.json'), { settleMs: 1 });
    liar.remember(file, fileIdentity(await stat(file, { bigint: true })), digestOfText('something else'), Date.now());
    await expect(pushFiles(new LayoutTarget(join(dir, 'other')), [{ path: file }], { digestCache: liar, created: null })).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });
});
