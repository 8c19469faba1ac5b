import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileSource } from './content.ts';

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
