import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OciError } from '../errors.ts';
import { streamToFileAtomic } from '../fs-atomic.ts';
import { makeRealParents } from '../staging-tree.ts';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';

// Only what an OCI image layout holds may come out of an archive: nothing else is ever written.
const LAYOUT_ENTRY = /^(?:\.\/)?(oci-layout|index\.json|blobs\/sha256\/[a-f0-9]{64})$/;
const LAYOUT_DIRECTORY = /^(?:\.\/)?(?:blobs\/|blobs\/sha256\/|\.\/)?$/;

/** mtime 0 and fixed modes: the same layout always makes the same archive bytes. */
export function layoutEntryHeader(name: string, size: number): Parameters<tarStream.Pack['entry']>[0] {
  return { name, size, mode: 0o644, mtime: new Date(0), type: 'file' };
}

/**
 * Writes an OCI layout directory as a tar archive, streamed file by file (air-gap transfer).
 * tar-stream writes sizes past 8 GiB in the GNU base-256 form that every current tar reads.
 */
export async function archiveLayout(layoutDir: string, tarPath: string): Promise<void> {
  const blobs = (await readdir(join(layoutDir, 'blobs', 'sha256')).catch(() => [])).filter((n) => /^[a-f0-9]{64}$/.test(n)).sort();
  const names = ['oci-layout', 'index.json', ...blobs.map((b) => `blobs/sha256/${b}`)];
  const pack = tarStream.pack();
  const written = streamToFileAtomic(Readable.from(pack), tarPath);
  // The writer is awaited below; a failure while entries are still being added must not go unobserved.
  written.catch(() => undefined);
  try {
    for (const name of names) {
      const path = join(layoutDir, name);
      const info = await stat(path);
      await pipeline(createReadStream(path), pack.entry(layoutEntryHeader(name, info.size)));
    }
    pack.finalize();
  } catch (error) {
    pack.destroy(error as Error);
  }
  await written;
}

/**
 * Unpacks a tar made by `archiveLayout` (or any tar of an OCI layout) into a fresh directory.
 * Only `oci-layout`, `index.json` and `blobs/sha256/<hex>` are accepted; any other name, a link,
 * or a bad header fails the whole restore before it is used. Returns the directory.
 */
export async function extractLayoutArchive(tarPath: string, into?: string): Promise<string> {
  const dir = into ?? (await mkdtemp(join(dirname(tarPath), '.sealpack-restore-')));
  const extract = tarStream.extract();
  const source = createReadStream(tarPath);
  source.on('error', (error) => extract.destroy(error));
  source.pipe(extract);
  try {
    for await (const entry of extract) {
      const { name, type } = entry.header;
      if (type === 'directory' && LAYOUT_DIRECTORY.test(name)) {
        entry.resume();
        continue;
      }
      const match = LAYOUT_ENTRY.exec(name);
      if (type !== 'file' || match === null) {
        throw new OciError('PATH_TRAVERSAL', `refusing archive entry '${name}': not part of an OCI image layout`);
      }
      // `into` may be a folder the caller had: nothing is written through a link already there.
      const target = await makeRealParents(dir, (match[1] as string).split('/'), (what, at) =>
        what === 'link'
          ? new OciError('OUTPUT_CONFLICT', `cannot extract '${name}': ${at} is a symbolic link, and nothing is written through one`)
          : new OciError('OUTPUT_CONFLICT', `cannot extract '${name}': ${at} is a file where a folder must be`),
      );
      await streamToFileAtomic(Readable.from(entry), target);
    }
  } catch (error) {
    source.destroy();
    if (into === undefined) await rm(dir, { recursive: true, force: true });
    if (error instanceof OciError) throw error;
    // tar-stream's own words for a damaged archive ("Unexpected end of data", "Invalid tar header").
    throw new OciError('INVALID_INPUT', `${tarPath} is not a readable tar archive: ${(error as Error).message}`, { cause: error });
  }
  return dir;
}
