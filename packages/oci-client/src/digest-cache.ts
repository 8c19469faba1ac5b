import type { BigIntStats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import type { Digest } from './digest.ts';
import { makeDirectory, writeFileAtomic } from './fs-atomic.ts';
import { DigestSchema } from './schemas.ts';

/**
 * What identifies one version of a file without reading it, as git's index does: a write changes
 * the size or sets ctime to the time of the write, and nobody can set ctime back by hand.
 */
export interface FileIdentity {
  dev: string;
  ino: string;
  size: number;
  mtimeNs: string;
  ctimeNs: string;
}

export function fileIdentity(stats: BigIntStats): FileIdentity {
  return { dev: String(stats.dev), ino: String(stats.ino), size: Number(stats.size), mtimeNs: String(stats.mtimeNs), ctimeNs: String(stats.ctimeNs) };
}

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

/**
 * Timestamps are as coarse as a clock tick here and as two seconds on some file systems, so a write
 * just after the identity was taken could leave it unchanged ("racy git"). A hash may only be
 * remembered for a file whose last change is this much older than the moment hashing began.
 */
const DEFAULT_SETTLE_MS = 2000;

/** Digests of local files already hashed, so an unchanged file is not read again to push it again. */
export interface DigestCache {
  lookup(path: string, identity: FileIdentity): Digest | undefined;
  /** `hashStartedMs`: when reading began, for the cache to judge whether the identity is trustworthy. */
  remember(path: string, identity: FileIdentity, digest: Digest, hashStartedMs: number): void;
}

const CacheEntrySchema = z.object({
  dev: z.string(),
  ino: z.string(),
  size: z.number().int().nonnegative(),
  mtimeNs: z.string(),
  ctimeNs: z.string(),
  digest: DigestSchema,
  usedAt: z.number(),
});
type CacheEntry = z.infer<typeof CacheEntrySchema>;

const CacheFileSchema = z.object({
  version: z.literal(1),
  entries: z.record(z.string(), CacheEntrySchema),
});

/** Enough for many artifacts of many files; the least recently used go first. */
const MAX_ENTRIES = 5000;
/** A hit refreshes its use time at most this often, so re-pushes do not rewrite the file each time. */
const USE_REFRESH_MS = 24 * 60 * 60 * 1000;

/** Where the CLI keeps it: `$SEALPACK_CACHE_DIR`, else `$XDG_CACHE_HOME/sealpack`, else `~/.cache/sealpack`. */
export function defaultDigestCachePath(env: Record<string, string | undefined>): string {
  const dir = env.SEALPACK_CACHE_DIR || join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'sealpack');
  return join(dir, 'file-digests.json');
}

async function readEntries(path: string): Promise<Map<string, CacheEntry>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return new Map();
  }
  // A cache is only ever a shortcut: one that does not parse is started afresh, never an error.
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return new Map();
  }
  const parsed = CacheFileSchema.safeParse(json);
  return parsed.success ? new Map(Object.entries(parsed.data.entries)) : new Map();
}

export interface FileDigestCacheOptions {
  now?: () => number;
  /** How long a file must have been left alone before its hash is remembered (default 2 s). */
  settleMs?: number;
}

/** A digest cache kept in one JSON file, read once and written back (merged, atomically) on save. */
export class FileDigestCache implements DigestCache {
  readonly path: string;
  private readonly entries: Map<string, CacheEntry>;
  private readonly changed = new Set<string>();
  private readonly now: () => number;
  private readonly settleNs: bigint;

  private constructor(path: string, entries: Map<string, CacheEntry>, options: FileDigestCacheOptions) {
    this.path = path;
    this.entries = entries;
    this.now = options.now ?? Date.now;
    this.settleNs = BigInt(options.settleMs ?? DEFAULT_SETTLE_MS) * 1_000_000n;
  }

  static async open(path: string, options: FileDigestCacheOptions = {}): Promise<FileDigestCache> {
    return new FileDigestCache(path, await readEntries(path), options);
  }

  lookup(path: string, identity: FileIdentity): Digest | undefined {
    const key = resolve(path);
    const entry = this.entries.get(key);
    if (entry === undefined || !sameIdentity(entry, identity)) return undefined;
    if (this.now() - entry.usedAt > USE_REFRESH_MS) {
      entry.usedAt = this.now();
      this.changed.add(key);
    }
    return entry.digest;
  }

  remember(path: string, identity: FileIdentity, digest: Digest, hashStartedMs: number): void {
    const startedNs = BigInt(Math.floor(hashStartedMs)) * 1_000_000n;
    const settled = BigInt(identity.ctimeNs) + this.settleNs < startedNs && BigInt(identity.mtimeNs) + this.settleNs < startedNs;
    if (!settled) return;
    const key = resolve(path);
    this.entries.set(key, { ...identity, digest, usedAt: this.now() });
    this.changed.add(key);
  }

  /**
   * Writes what changed, merged into what is on disk now (another sealpack may have saved
   * meanwhile; for the same file the later use wins), keeping the most recently used entries.
   */
  async save(): Promise<void> {
    if (this.changed.size === 0) return;
    const merged = await readEntries(this.path);
    for (const key of this.changed) {
      const mine = this.entries.get(key);
      const theirs = merged.get(key);
      if (mine !== undefined && (theirs === undefined || mine.usedAt >= theirs.usedAt)) merged.set(key, mine);
    }
    const kept = [...merged].sort((a, b) => b[1].usedAt - a[1].usedAt).slice(0, MAX_ENTRIES);
    await makeDirectory(dirname(this.path), 0o700);
    await writeFileAtomic(this.path, `${JSON.stringify({ version: 1, entries: Object.fromEntries(kept) })}\n`, 0o600);
    this.changed.clear();
  }
}
