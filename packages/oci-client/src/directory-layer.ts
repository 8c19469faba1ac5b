import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, rename, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import tarStream from 'tar-stream';
import type { Digest } from './digest.ts';
import { OciError } from './errors.ts';
import { makeDirectory, streamToFileAtomic } from './fs-atomic.ts';
import { checkLinkOnDisk, lstatIfPresent, makeRealParents } from './staging-tree.ts';

// oras's directory layers (oras-go content/file): a gzip'd tar of the folder, its entries under
// the layer's title, with these annotations so a puller knows to unpack it.
export const MEDIA_TYPE_TAR_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const ANNOTATION_ORAS_UNPACK = 'io.deis.oras.content.unpack';
/** The digest of the tar before compression. */
export const ANNOTATION_ORAS_TAR_DIGEST = 'io.deis.oras.content.digest';

/** What the unpacker reads of a tar header (tar-stream's header, in the part used here). */
interface TarHeader {
  name: string;
  type?: string | null;
  linkname?: string | null;
}

export interface PackedDirectory {
  /** The .tar.gz written, in a temp directory the caller removes. */
  path: string;
  tarDigest: Digest;
}

/** Files and folders below `dir`, sorted so that the same tree always makes the same tar. */
async function walk(dir: string, prefix: string, into: Array<{ path: string; name: string; kind: 'file' | 'directory' }>): Promise<void> {
  const names = (await readdir(dir)).sort();
  for (const name of names) {
    const path = join(dir, name);
    const info = await lstat(path);
    const entryName = `${prefix}/${name}`;
    if (info.isDirectory()) {
      into.push({ path, name: `${entryName}/`, kind: 'directory' });
      await walk(path, entryName, into);
    } else if (info.isFile()) {
      into.push({ path, name: entryName, kind: 'file' });
    } else {
      // A link could point anywhere on the publisher's machine, a device is no data: neither travels.
      throw new OciError('INVALID_INPUT', `${path} is ${info.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}: a pushed folder holds regular files and folders only`);
    }
  }
}

/** A byte-counting pass-through that hashes what flows by (the tar before gzip, for its digest). */
function hashing(): { stream: Transform; digest: () => Digest } {
  const hash = createHash('sha256');
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  return { stream, digest: () => `sha256:${hash.digest('hex')}` as Digest };
}

/**
 * Packs a folder as oras does: a tar whose entries sit under `title/`, gzip'd, streamed to a temp
 * file while the tar's own digest is taken. Times, owners and modes are fixed (0644 files, 0755
 * folders, mtime 0) so that pushing the same tree again gives the same digest.
 */
export async function packDirectory(dir: string, title: string, signal?: AbortSignal): Promise<PackedDirectory> {
  const entries: Array<{ path: string; name: string; kind: 'file' | 'directory' }> = [{ path: dir, name: `${title}/`, kind: 'directory' }];
  await walk(dir, title, entries);
  const staging = await mkdtemp(join(tmpdir(), 'sealpack-dir-'));
  const path = join(staging, 'layer.tar.gz');
  const pack = tarStream.pack();
  const tar = hashing();
  const written = pipeline(pack, tar.stream, createGzip(), createWriteStream(path), ...(signal === undefined ? [] : [{ signal }]));
  written.catch(() => undefined);
  try {
    for (const entry of entries) {
      signal?.throwIfAborted();
      const common = { name: entry.name, mtime: new Date(0), uid: 0, gid: 0 };
      if (entry.kind === 'directory') {
        pack.entry({ ...common, type: 'directory', mode: 0o755 });
        continue;
      }
      const info = await lstat(entry.path);
      await pipeline(createReadStream(entry.path), pack.entry({ ...common, type: 'file', mode: 0o644, size: info.size }));
    }
    pack.finalize();
    await written;
  } catch (error) {
    pack.destroy(error as Error);
    await written.catch(() => undefined);
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return { path, tarDigest: tar.digest() };
}

/**
 * The components of an entry of a directory layer titled `title`, or a PATH_TRAVERSAL error: the
 * tar comes from a remote artifact, so every name is hostile until proven otherwise. No absolute
 * or drive names (node-tar CVE-2021-32804, -37713), no `..`, nothing outside `title/`.
 */
function entryParts(title: string, name: string): string[] {
  if (name.includes('\0') || name.includes('\\') || name.startsWith('/') || /^[A-Za-z]:/.test(name)) {
    throw new OciError('PATH_TRAVERSAL', `refusing archive entry '${name}': it leaves the folder '${title}'`);
  }
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw new OciError('PATH_TRAVERSAL', `refusing archive entry '${name}': it leaves the folder '${title}'`);
  const titleParts = title.split('/');
  if (parts.length < titleParts.length || titleParts.some((part, i) => parts[i] !== part)) {
    throw new OciError('PATH_TRAVERSAL', `refusing archive entry '${name}': it is not under the folder '${title}'`);
  }
  return parts;
}

export interface UnpackOptions {
  /** `io.deis.oras.content.digest`: the tar's digest before compression, checked when given. */
  tarDigest?: string;
  signal?: AbortSignal;
}

/**
 * Unpacks a verified .tar.gz (a directory layer) into `root/title`: into a staging folder first,
 * then renamed into place once every entry was checked and the tar's digest matched, so a hostile
 * or damaged layer leaves nothing behind. Regular files, folders and links that stay inside the
 * folder only; no devices, no hard links, nothing outside `title/`. Links are leaves: nothing is
 * created through one, and each is judged by where it resolves on disk (see staging-tree.ts).
 */
export async function unpackDirectoryLayer(archive: string, root: string, title: string, options: UnpackOptions = {}): Promise<void> {
  const staging = await mkdtemp(join(root, '.sealpack-unpack-'));
  try {
    const extract = tarStream.extract();
    const tar = hashing();
    const input = createReadStream(archive, options.signal === undefined ? {} : { signal: options.signal });
    const gunzip = createGunzip();
    const fail = (error: Error) => extract.destroy(error);
    input.on('error', fail);
    gunzip.on('error', fail);
    tar.stream.on('error', fail);
    input.pipe(gunzip).pipe(tar.stream).pipe(extract);
    const inside = title.split('/');
    const links: Array<{ parts: string[]; linkname: string }> = [];
    for await (const entry of extract as AsyncIterable<Readable & { header: TarHeader }>) {
      const { name, type, linkname } = entry.header;
      const parts = entryParts(title, name);
      const path = await makeRealParents(staging, parts, (what, at) =>
        what === 'link'
          ? new OciError('PATH_TRAVERSAL', `refusing archive entry '${name}': its path goes through the link '${relative(staging, at)}'`)
          : new OciError('PATH_CONFLICT', `refusing archive entry '${name}': '${relative(staging, at)}' on its path is a file, not a folder`),
      );
      const present = await lstatIfPresent(path);
      if (type === 'directory') {
        // A folder entry after a link of the same name must not become a way through it (CVE-2021-32803).
        if (present?.isDirectory() !== true) {
          if (present !== undefined) throw new OciError('PATH_CONFLICT', `refusing archive entry '${name}': a ${present.isSymbolicLink() ? 'link' : 'file'} of that name came before`);
          await mkdir(path, 0o755);
        }
        entry.resume();
        continue;
      }
      // A second entry for a name (a file after a link, a link after a file) would replace or write
      // through what the first made: refused, since nothing oras or a plain tar of a folder makes has it.
      if (present !== undefined) throw new OciError('PATH_CONFLICT', `refusing archive entry '${name}': the layer already holds that name`);
      if (type === 'file') {
        // The temp file is opened O_CREAT|O_EXCL, which never follows a link (open(2)), and renamed
        // over a name just seen to be absent, in a real directory of a private (0700) staging folder.
        await streamToFileAtomic(entry, path);
      } else if (type === 'symlink' && typeof linkname === 'string') {
        await checkLinkOnDisk(staging, inside, parts, linkname);
        await symlink(linkname, path);
        links.push({ parts, linkname });
        entry.resume();
      } else {
        throw new OciError('PATH_TRAVERSAL', `refusing archive entry '${name}' of type ${type ?? 'unknown'}: only files, folders and links inside the folder are unpacked`);
      }
    }
    // A link that passed through a name missing then may lead elsewhere now that the tree is complete.
    for (const link of links) await checkLinkOnDisk(staging, inside, link.parts, link.linkname);
    // The hash covers the whole tar, the end-of-archive blocks after the last entry too.
    await finished(tar.stream);
    const unpacked = tar.digest();
    if (options.tarDigest !== undefined && unpacked !== options.tarDigest) {
      throw new OciError('DIGEST_MISMATCH', `the folder '${title}' unpacked to a tar of ${unpacked}, not the ${options.tarDigest} its layer names`);
    }
    const final = join(root, title);
    await makeDirectory(dirname(final));
    await rm(final, { recursive: true, force: true });
    await rename(join(staging, title), final);
  } catch (error) {
    if (error instanceof OciError) throw error;
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || /tar|header|end of data/i.test((error as Error).message)) {
      throw new OciError('INVALID_INPUT', `the folder layer '${title}' is not a readable tar+gzip: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
