import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ANNOTATION_CREATED, type Descriptor, discoverReferrers, isOciError, parseManifest, type ReferrerNode, type Target } from '@sealpack/oci-client';
import type { VerifyPolicy } from '@sealpack/signing/verify';
import { z } from 'zod';
import { parseYamlFile } from './yaml-file.ts';
import { historyOf, taggedSubjects } from './history.ts';

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
}

export interface GcPlan {
  keep: GcPlanEntry[];
  remove: GcPlanEntry[];
}

/**
 * Plans what a retention policy lets go in a repository: every artifact a tag reaches (not the
 * referrers indexes and cosign tags), kept when a reason holds — a kept tag, its age, a promotion
 * into a kept environment, or among the last N promoted into an environment (from the verified
 * history) — and otherwise removed together with every referrer it has.
 */
export async function planGc(target: Target, retention: Retention, options: { verifyPolicy: VerifyPolicy; now?: Date }): Promise<GcPlan> {
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
    const referrers = flatten((await discoverReferrers(target, descriptor)).referrers);
    const entry = { digest: descriptor.digest, tags: tags.sort(), keptBecause: reasons, referrers: referrers.map((r) => r.digest) };
    (reasons.length > 0 ? plan.keep : plan.remove).push(entry);
  }
  const byDigest = (a: GcPlanEntry, b: GcPlanEntry) => (a.digest < b.digest ? -1 : 1);
  return { keep: plan.keep.sort(byDigest), remove: plan.remove.sort(byDigest) };
}

/**
 * Carries a plan out: each removed artifact's referrers first (deepest first, so that no index
 * ever lists what is gone), then the artifact, then its fallback referrers index. On an OCI
 * layout, blobs nothing references any more are removed too.
 */
export async function applyGc(target: Target, plan: GcPlan, options: { layoutPath?: string } = {}): Promise<{ manifests: number; blobs: number }> {
  let manifests = 0;
  for (const entry of plan.remove) {
    const subject = await target.resolve(entry.digest);
    for (const referrer of flatten((await discoverReferrers(target, subject)).referrers).reverse()) {
      await deleteIfThere(target, referrer);
      manifests++;
    }
    await deleteIfThere(target, subject);
    manifests++;
    const fallback = await target.resolve(`sha256-${entry.digest.slice(7)}`).catch((error: unknown) => {
      if (isOciError(error, 'NOT_FOUND')) return undefined;
      throw error;
    });
    if (fallback !== undefined) await deleteIfThere(target, fallback);
  }
  const blobs = options.layoutPath === undefined ? 0 : await removeUnreferencedBlobs(target, options.layoutPath);
  return { manifests, blobs };
}

async function deleteIfThere(target: Target, descriptor: Descriptor): Promise<void> {
  try {
    await target.delete(descriptor);
  } catch (error) {
    if (!isOciError(error, 'NOT_FOUND')) throw error;
  }
}

/** Every referrer of a tree, parents before their own referrers. */
function flatten(nodes: readonly ReferrerNode[]): Descriptor[] {
  return nodes.flatMap((node) => [node.descriptor, ...flatten(node.referrers)]);
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
