import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import tarStream from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { unpackDirectoryLayer } from '../src/directory-layer.ts';
import { OciError } from '../src/errors.ts';

// A fixed seed keeps CI deterministic; FUZZ_SEED=<n> explores other cases (a failure prints its seed).
const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261204);

// Each case unpacks a layer into a fresh folder: about 3 ms, so a few seconds in all.
const RUNS = 400;

type EntryType = 'file' | 'directory' | 'symlink' | 'link';
interface Entry {
  name: string;
  type: EntryType;
  linkname: string;
}

// Names drawn from a few parts, so that the same name, `..`, links to `.` and chains through
// them come up often; `canary` names the folder beside the output that must not be touched.
const part = fc.constantFrom('a', 'b', 'a', 'b', '.', '..', '', 'canary', 'secret.txt');
const path = (max: number) => fc.array(part, { minLength: 0, maxLength: max }).map((parts) => parts.join('/'));
const entry: fc.Arbitrary<Entry> = fc.record({
  name: fc.oneof({ weight: 9, arbitrary: path(5).map((p) => `d/${p}`) }, { weight: 1, arbitrary: fc.constantFrom('d', '/tmp/x', '../canary/x', 'canary/x', 'd/../canary/x') }),
  type: fc.constantFrom<EntryType>('file', 'directory', 'symlink', 'symlink', 'link'),
  linkname: fc.oneof({ weight: 9, arbitrary: path(7) }, { weight: 1, arbitrary: fc.constantFrom('/', '/etc/passwd', `..${sep}..`, 'd/a') }),
});

async function tarOf(entries: readonly Entry[]): Promise<Buffer> {
  const pack = tarStream.pack();
  for (const e of entries) pack.entry({ name: e.name, type: e.type, ...(e.type === 'symlink' || e.type === 'link' ? { linkname: e.linkname } : {}) }, e.type === 'file' ? 'from the layer' : '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** Names below `dir`, never descending into a link (Node's recursive readdir follows them). */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  const names: string[] = [];
  for (const dirent of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const name = join(prefix, dirent.name);
    names.push(name);
    if (dirent.isDirectory()) names.push(...(await walk(dir, name)));
  }
  return names.sort();
}

/** Every name below `dir` with what it is and holds: equal before and after means untouched. */
async function snapshot(dir: string): Promise<string[]> {
  const names = await walk(dir);
  return Promise.all(
    names.map(async (name) => {
      const info = await lstat(join(dir, name));
      const what = info.isFile() ? await readFile(join(dir, name), 'utf8') : info.isSymbolicLink() ? `-> ${await readlink(join(dir, name))}` : 'dir';
      return `${name} ${info.mode} ${info.ino} ${what}`;
    }),
  );
}

describe('unpacking random folder layers (fast-check)', () => {
  it(`${RUNS} sequences of files, folders, links, hard links and ..: nothing outside the output is created, changed or reachable`, async () => {
    const base = await mkdtemp(join(tmpdir(), 'sealpack-unpack-fuzz-'));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 8 }), async (entries) => {
        const dir = join(base, String(run++));
        const out = join(dir, 'out');
        const canary = join(dir, 'canary');
        await mkdir(join(canary, 'sub'), { recursive: true });
        await mkdir(out);
        await writeFile(join(canary, 'secret.txt'), 'secret');
        const archive = join(dir, 'layer.tar.gz');
        await writeFile(archive, gzipSync(await tarOf(entries)));
        const before = await snapshot(canary);
        const inodes = new Set(before.map((line) => line.split(' ')[2]));
        try {
          await unpackDirectoryLayer(archive, out, 'd');
        } catch (error) {
          // Refused with a typed error, never anything else.
          if (!(error instanceof OciError)) throw error;
          expect(await readdir(out)).toEqual([]);
        }
        expect((await readdir(dir)).sort()).toEqual(['canary', 'layer.tar.gz', 'out']);
        expect(await snapshot(canary)).toEqual(before);
        const root = await realpath(join(out));
        for (const name of await walk(out)) {
          const at = join(out, name);
          const info = await lstat(at);
          // No name inside is a hard link to a file outside.
          expect(inodes.has(String(info.ino))).toBe(false);
          if (!info.isSymbolicLink()) continue;
          // A link left in the folder leads to the folder or below it, or nowhere yet.
          const landed = await realpath(at).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
          if (landed !== undefined) expect(landed === join(root, 'd') || landed.startsWith(join(root, 'd') + sep)).toBe(true);
        }
        await rm(dir, { recursive: true, force: true });
      }),
      { numRuns: RUNS, seed: FUZZ_SEED },
    );
    await rm(base, { recursive: true, force: true });
  });
});
