import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';

/** A sibling temp name: same directory so the final rename is atomic (POSIX rename(2)). */
export function tempPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Writes bytes to a temp file, fsyncs, and renames over the final path: readers see old or new, never half. */
export async function writeFileAtomic(finalPath: string, bytes: Uint8Array | string, mode = 0o644): Promise<void> {
  const temp = tempPathFor(finalPath);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, finalPath);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Streams into a temp file and renames it into place only if the stream (which is expected to
 * verify its own content) ends cleanly. On any failure the temp file is removed.
 */
export async function streamToFileAtomic(source: Readable, finalPath: string, mode = 0o644): Promise<void> {
  const temp = tempPathFor(finalPath);
  try {
    await pipeline(source, createWriteStream(temp, { flags: 'wx', mode, highWaterMark: 1 << 20 }));
    await rename(temp, finalPath);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
