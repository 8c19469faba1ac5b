import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import tarStream from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { layoutEntryHeader } from './layout-archive.ts';

const NINE_GIB = 9 * 2 ** 30;
const BLOB = `blobs/sha256/${'a'.repeat(64)}`;

/** The 512-byte header archiveLayout writes for an entry, without any of its content. */
async function headerBlock(name: string, size: number): Promise<Buffer> {
  const pack = tarStream.pack();
  pack.entry(layoutEntryHeader(name, size));
  for await (const chunk of pack) {
    pack.destroy();
    return Buffer.from(chunk as Uint8Array).subarray(0, 512);
  }
  throw new Error('no header written');
}

describe('layout archives past 8 GiB (the octal size field ends at 8 GiB - 1)', () => {
  it('write the size of a 9 GiB blob so that GNU tar and the extractor read it back exactly', async () => {
    const header = await headerBlock(BLOB, NINE_GIB);
    // GNU base-256: the top bit of the size field's first byte set, not 11 octal digits that overflow.
    expect(header[124]).toBe(0x80);
    // A sparse archive of that one entry: its header, then 9 GiB of holes and the end blocks.
    const path = join(await mkdtemp(join(tmpdir(), 'sealpack-bigtar-')), 'big.tar');
    await writeFile(path, header);
    const handle = await open(path, 'r+');
    await handle.truncate(512 + NINE_GIB + 1024);
    await handle.close();
    const { stdout } = await promisify(execFile)('tar', ['-tvf', path]);
    expect(stdout).toContain(` ${NINE_GIB} `);
    expect(stdout).toContain(BLOB);
    const extract = tarStream.extract();
    createReadStream(path, { end: 4095 }).pipe(extract);
    for await (const entry of extract) {
      expect(entry.header).toMatchObject({ name: BLOB, size: NINE_GIB, type: 'file' });
      break;
    }
    extract.destroy();
  });
});
