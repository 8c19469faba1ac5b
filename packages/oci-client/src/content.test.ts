import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeFile, fileSource } from './content.ts';
import type { DigestCache } from './digest-cache.ts';
import { LayoutTarget } from './layout/layout-target.ts';
import { pushFiles } from './push-artifact.ts';

const KiB = 1024;

async function fileOf(bytes: Buffer): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'sealpack-content-')), 'data.bin');
  await writeFile(path, bytes);
  return path;
}

/** Copies every view as it arrives, as a consumer that keeps chunks must. */
async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const copies: Buffer[] = [];
  for await (const chunk of chunks) copies.push(Buffer.from(chunk));
  return Buffer.concat(copies);
}

describe('fileSource chunks', () => {
  const bytes = randomBytes(900 * KiB + 7);

  it.each([
    [0, bytes.byteLength],
    [1, bytes.byteLength],
    [256 * KiB, bytes.byteLength],
    [300 * KiB + 3, 800 * KiB],
    [5, 6],
    [10, 10],
  ])('yields exactly the bytes [%i, %i)', async (start, end) => {
    const source = fileSource(await fileOf(bytes), bytes.byteLength);
    expect((await collect(source.chunks!(start, end))).equals(bytes.subarray(start, end))).toBe(true);
  });

  it('keeps a view intact until two more have been asked for, then reuses its buffer', async () => {
    const source = fileSource(await fileOf(bytes), bytes.byteLength);
    const views: Uint8Array[] = [];
    const expected: Buffer[] = [];
    let offset = 0;
    for await (const chunk of source.chunks!(0, bytes.byteLength)) {
      views.push(chunk);
      expected.push(bytes.subarray(offset, offset + chunk.byteLength));
      offset += chunk.byteLength;
      const k = views.length - 1;
      // The current view and the one before it are still what was read.
      expect(Buffer.from(views[k]!).equals(expected[k]!)).toBe(true);
      if (k >= 1) expect(Buffer.from(views[k - 1]!).equals(expected[k - 1]!)).toBe(true);
    }
    // 900 KiB in 256 KiB reads: four views, and the fourth shares the first's buffer.
    expect(views).toHaveLength(4);
    expect(views[3]!.buffer).toBe(views[0]!.buffer);
  });

  it('fails with ECHANGED when the file shrinks under it', async () => {
    const path = await fileOf(bytes);
    const source = fileSource(path, bytes.byteLength);
    const reading = (async () => {
      let first = true;
      for await (const _chunk of source.chunks!(0, bytes.byteLength)) {
        if (first) await truncate(path, 100 * KiB);
        first = false;
      }
    })();
    await expect(reading).rejects.toMatchObject({ code: 'ECHANGED' });
  });

  it('closes the file when the consumer stops early', async () => {
    const source = fileSource(await fileOf(bytes), bytes.byteLength);
    const openFiles = async () => (await readdir('/proc/self/fd')).length;
    const before = await openFiles();
    for await (const _chunk of source.chunks!(0, bytes.byteLength)) break;
    expect(await openFiles()).toBe(before);
  });
});

describe('cancelling', () => {
  it('a hash pass stops part way when its signal is aborted', async () => {
    const path = await fileOf(randomBytes(8 * 1024 * KiB));
    const controller = new AbortController();
    const reason = new Error('stop');
    let hashed = 0;
    const cache: DigestCache = {
      lookup: () => undefined,
      remember: () => {
        hashed++;
      },
    };
    const pending = describeFile(path, 'application/octet-stream', undefined, { cache, signal: controller.signal });
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(hashed).toBe(0);
    // pushFiles hands the abort back as it came, not as a file it could not read.
    const stopped = new AbortController();
    const push = pushFiles(new LayoutTarget(join(await mkdtemp(join(tmpdir(), 'sealpack-abort-')), 'l')), [{ path }], { signal: stopped.signal });
    stopped.abort(reason);
    await expect(push).rejects.toBe(reason);
  });

  it('a layout push stops when its signal is aborted and leaves no blob, temp file or tag', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sealpack-abort-'));
    const path = await fileOf(randomBytes(8 * 1024 * KiB));
    const layout = new LayoutTarget(join(dir, 'layout'));
    const controller = new AbortController();
    const pending = pushFiles(layout, [{ path }], { tag: 'v1', signal: controller.signal, onProgress: (sent) => sent > 0 && controller.abort() });
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(await readdir(join(dir, 'layout', 'blobs', 'sha256'))).toEqual([]);
    await expect(layout.resolve('v1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
