import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { ProvenanceError } from '../errors.ts';

/** A file as an SBOM lists it: its name in the artifact and its digests, read in one streaming pass. */
export interface HashedFile {
  /** The name the file has in the artifact (its layer title), e.g. `tiles/parks.pmtiles`. */
  name: string;
  size: number;
  sha256: string;
  /** SPDX 2.3 8.4 requires a SHA1 checksum for every file, beside any other. */
  sha1: string;
}

/** Streams a file once for both digests (a multi-gigabyte tile set is never held in memory). */
export async function hashFile(path: string, name: string = basename(path)): Promise<HashedFile> {
  const sha256 = createHash('sha256');
  const sha1 = createHash('sha1');
  let size = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      sha256.update(chunk as Buffer);
      sha1.update(chunk as Buffer);
      size += (chunk as Buffer).byteLength;
    }
  } catch (cause) {
    throw new ProvenanceError('UNREADABLE_FILE', `cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  return { name, size, sha256: sha256.digest('hex'), sha1: sha1.digest('hex') };
}
