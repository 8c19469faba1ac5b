import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ANNOTATION_CREATED, type Descriptor, isOciError, parseManifest, referrersTag, type Target } from '@sealpack/oci-client';
import type { VerifyPolicy } from '@sealpack/signing/verify';
import { z } from 'zod';
import { LifecycleError } from './errors.ts';
import { archiveWithReferrers, type GcArchive, referrerGraph } from './gc-archive.ts';
import { type HistoryEntry, historyOf, taggedSubjects } from './history.ts';
import { attachedPromotionRecords } from './history-records.ts';
import { parseYamlFile } from './yaml-file.ts';

const RetentionSchema = z.strictObject({
  apiVersion: z.literal('sealpack.dev/retention/v1'),
  kind: z.literal('Retention'),
  keep: z.strictObject({
    /** The last N digests promoted into each environment. */
    lastPerEnvironment: z.number().int().min(0).default(0),
    /** Anything ever promoted into these environments. */
    environments: z.array(z.string().min(1)).default([]),
    /** Anything created (org.opencontainers.image.created) less than D days ago. */
    youngerThanDays: z.number().positive().optional(),
    /** Anything a tag matching one of these patterns points at (`*` any run of characters). */
    tags: z.array(z.string().min(1)).default([]),
  }),
});

export type Retention = z.infer<typeof RetentionSchema>;

/** Reads a retention policy (YAML or JSON); a fault names `file:line:column`. */
export function parseRetention(text: string, file = 'retention.yaml'): Retention {
  return parseYamlFile(RetentionSchema, text, file);
}

export interface GcPlanEntry {
  digest: string;
  tags: string[];
  /** Why it is kept; empty when it goes. */
  keptBecause: string[];
  /** The referrers that go with it (signatures, attestations, records, and theirs). */
  referrers: string[];
  /** The verified history that names it: what its removal would take out of `history`. */
  history: HistoryEntry[];
  /** Promotion records attached to it that do not verify under the given key or identity (digests). */
  unverifiedRecords: string[];
}

export interface GcPlan {
  keep: GcPlanEntry[];
  remove: GcPlanEntry[];
}

export interface PlanGcOptions {
  verifyPolicy: VerifyPolicy;
  now?: Date;
  /**
   * Let go of artifacts an environment's history names, too, when no rule keeps them (each entry
   * then lists the history it takes with it). Without it, history is an audit trail: any
   * artifact with a promotion record attached, verified or not, is kept.
   */
  includeHistory?: boolean;
}

/**
 * Plans what a retention policy lets go in a repository: every artifact a tag reaches (not the
 * referrers indexes and cosign tags), kept when a reason holds — a kept tag, its age, a promotion
 * into a kept environment, or among the last N promoted into an environment (from the verified
 * history), or, unless `includeHistory`, any promotion record at all — and otherwise removed
 * together with every referrer it has.
 */
export async function planGc(target: Target, retention: Retention, options: PlanGcOptions): Promise<GcPlan> {
  const now = (options.now ?? new Date()).getTime();
  const subjects = await taggedSubjects(target);
  const history = await historyOf(
    target,
    [...subjects.values()].map((s) => s.descriptor),
    options.verifyPolicy,
  );
  const lastPromoted = new Map<string, string[]>();
  for (const entry of history) {
    const list = lastPromoted.get(entry.environment) ?? [];
    if (!list.includes(entry.digest)) list.push(entry.digest);
    lastPromoted.set(entry.environment, list);
  }
  const plan: GcPlan = { keep: [], remove: [] };
  for (const { descriptor, tags } of subjects.values()) {
    const reasons: string[] = [];
    const keptTag = tags.find((tag) => retention.keep.tags.some((pattern) => new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`).test(tag)));
    if (keptTag !== undefined) reasons.push(`tag ${keptTag}`);
    for (const env of retention.keep.environments) if (history.some((h) => h.environment === env && h.digest === descriptor.digest)) reasons.push(`promoted to ${env}`);
    for (const [env, digests] of lastPromoted) {
      const at = digests.indexOf(descriptor.digest);
      if (at >= 0 && at < retention.keep.lastPerEnvironment) reasons.push(`one of the last ${retention.keep.lastPerEnvironment} in ${env}`);
    }
    if (retention.keep.youngerThanDays !== undefined) {
      const created = await createdTime(target, descriptor);
      if (created !== undefined && now - created < retention.keep.youngerThanDays * 86_400_000) reasons.push(`younger than ${retention.keep.youngerThanDays} days`);
    }
    const named = history.filter((h) => h.digest === descriptor.digest);
    const unverifiedRecords = (await attachedPromotionRecords(target, descriptor)).filter((record) => !named.some((h) => h.record === record)).sort();
    // History holds what no rule keeps: the reason shows only when it is the one that holds.
    if (reasons.length === 0 && options.includeHistory !== true) {
      if (named.length > 0) reasons.push(`named in the history of ${[...new Set(named.map((h) => h.environment))].sort().join(', ')}`);
      if (unverifiedRecords.length > 0) reasons.push(`${unverifiedRecords.length} promotion record(s) that do not verify under this key`);
    }
    const referrers = await referrerGraph(target, descriptor);
    const entry = { digest: descriptor.digest, tags: tags.sort(), keptBecause: reasons, referrers: referrers.map((r) => r.digest), history: named, unverifiedRecords };
    (reasons.length > 0 ? plan.keep : plan.remove).push(entry);
  }
  const byDigest = (a: GcPlanEntry, b: GcPlanEntry) => (a.digest < b.digest ? -1 : 1);
  return { keep: plan.keep.sort(byDigest), remove: plan.remove.sort(byDigest) };
}

export interface ApplyGcOptions {
  /** The OCI layout's directory, when the target is one: its unreferenced blobs go too. */
  layoutPath?: string;
  /**
   * Where every removed artifact is copied first, with all its referrers, and read back. Needed
   * when a removed artifact carries promotion records (a plan made with `includeHistory`).
   */
  archive?: GcArchive;
}

/**
 * Carries a plan out. First, nothing is deleted yet: a removed artifact that carries promotion
 * records now (read again, so a promotion since the plan counts) needs an archive and the plan
 * must have shown those records; with an archive, every removed artifact is copied there with its
 * referrers and verified. Only then each removed artifact's referrers go (deepest first, so that
 * no index ever lists what is gone), the artifact, and its fallback referrers index. On an OCI
 * layout, blobs nothing references any more are removed too.
 */
export async function applyGc(target: Target, plan: GcPlan, options: ApplyGcOptions = {}): Promise<{ manifests: number; blobs: number }> {
  const subjects: Descriptor[] = [];
  for (const entry of plan.remove) {
    const subject = await target.resolve(entry.digest);
    const records = await attachedPromotionRecords(target, subject);
    if (records.length > 0 && options.archive === undefined) {
      throw new LifecycleError('HISTORY_NOT_ARCHIVED', `${entry.digest} carries ${records.length} promotion record(s): removing it takes them out of history, so it needs an archive first`);
    }
    const shown = new Set([...entry.history.map((h) => h.record), ...entry.unverifiedRecords]);
    const unseen = records.filter((record) => !shown.has(record));
    if (unseen.length > 0) throw new LifecycleError('STALE_PLAN', `${entry.digest} carries promotion record(s) the plan did not show (${unseen.join(', ')}): plan again`);
    subjects.push(subject);
  }
  if (options.archive !== undefined) for (const entry of plan.remove) await archiveWithReferrers(target, options.archive, entry);
  let manifests = 0;
  for (const subject of subjects) {
    for (const referrer of (await referrerGraph(target, subject)).reverse()) {
      await deleteIfThere(target, referrer);
      manifests++;
    }
    await deleteIfThere(target, subject);
    manifests++;
    const fallback = await fallbackIndexOf(target, subject);
    if (fallback !== undefined) await deleteIfThere(target, fallback);
  }
  const blobs = options.layoutPath === undefined ? 0 : await removeUnreferencedBlobs(target, options.layoutPath);
  return { manifests, blobs };
}

/**
 * A subject's tag-schema referrers index (OCI distribution-spec 1.1 "Referrers Tag Schema"), kept
 * by a registry without the referrers API; none where there is no such tag.
 */
export async function fallbackIndexOf(target: Target, subject: Descriptor): Promise<Descriptor | undefined> {
  return target.resolve(referrersTag(subject.digest)).catch((error: unknown) => {
    if (isOciError(error, 'NOT_FOUND')) return undefined;
    throw error;
  });
}

async function deleteIfThere(target: Target, descriptor: Descriptor): Promise<void> {
  try {
    await target.delete(descriptor);
  } catch (error) {
    if (!isOciError(error, 'NOT_FOUND')) throw error;
  }
}

async function createdTime(target: Target, descriptor: Descriptor): Promise<number | undefined> {
  const parsed = parseManifest(await target.fetchManifest(descriptor), descriptor.mediaType);
  const created = (parsed.manifest.annotations as Record<string, string> | undefined)?.[ANNOTATION_CREATED];
  const time = created === undefined ? Number.NaN : Date.parse(created);
  return Number.isNaN(time) ? undefined : time;
}

/** A layout's blobs that no manifest it still lists (or their configs and layers) references. */
async function removeUnreferencedBlobs(target: Target, layoutPath: string): Promise<number> {
  const referenced = new Set<string>();
  const visit = async (descriptor: Descriptor) => {
    if (referenced.has(descriptor.digest)) return;
    referenced.add(descriptor.digest);
    const parsed = parseManifest(await target.fetchManifest(descriptor), descriptor.mediaType);
    if (parsed.kind === 'index') for (const child of parsed.manifest.manifests) await visit(child);
    else for (const blob of [parsed.manifest.config, ...parsed.manifest.layers]) referenced.add(blob.digest);
  };
  const index = JSON.parse(await readFile(join(layoutPath, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  for (const entry of index.manifests) await visit(entry);
  let removed = 0;
  const dir = join(layoutPath, 'blobs', 'sha256');
  for (const name of await readdir(dir)) {
    if (referenced.has(`sha256:${name}`)) continue;
    await rm(join(dir, name), { force: true });
    removed++;
  }
  return removed;
}

const escapeRegExp = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
