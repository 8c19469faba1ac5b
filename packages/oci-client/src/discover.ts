import { ANNOTATION_CREATED } from './media-types.ts';
import type { Descriptor } from './schemas.ts';
import type { ReadOnlyTarget } from './target.ts';

export interface ReferrerNode {
  descriptor: Descriptor;
  referrers: ReferrerNode[];
}

export interface DiscoverOptions {
  /** Levels of referrers to follow (1: direct referrers only). */
  depth?: number;
  /** Filters for the subject's direct referrers (deeper levels are shown whole). */
  artifactType?: string;
  annotations?: Record<string, string>;
  /** Of the direct referrers left, only the newest by `org.opencontainers.image.created`. */
  latest?: boolean;
}

function createdAt(descriptor: Descriptor): number {
  const value = descriptor.annotations?.[ANNOTATION_CREATED];
  const time = value === undefined ? Number.NaN : Date.parse(value);
  // Undated referrers count as older than any dated one.
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
}

function selectDirect(found: Descriptor[], options: DiscoverOptions): Descriptor[] {
  const wanted = Object.entries(options.annotations ?? {});
  const matching = found.filter((d) => wanted.every(([key, value]) => d.annotations?.[key] === value));
  if (options.latest !== true || matching.length === 0) return matching;
  const newest = matching.reduce((best, d) => (createdAt(d) > createdAt(best) ? d : best));
  return [newest];
}

/** The artifact type a referrer is listed under (image-spec: `artifactType`, else its media type). */
export function referrerType(descriptor: Descriptor): string {
  return descriptor.artifactType ?? descriptor.mediaType;
}

/**
 * By artifact type, then digest: registries list referrers in no stated order, and a copy must
 * print the same graph as its source.
 */
function byTypeThenDigest(a: ReferrerNode, b: ReferrerNode): number {
  const type = referrerType(a.descriptor).localeCompare(referrerType(b.descriptor), 'en');
  return type !== 0 ? type : a.descriptor.digest < b.descriptor.digest ? -1 : a.descriptor.digest > b.descriptor.digest ? 1 : 0;
}

/**
 * The referrers graph below a subject, level by level (a signature on an SBOM is depth 2), each
 * level sorted by artifact type and digest. A digest already on the path is not followed again,
 * so a cyclic graph cannot loop.
 */
export async function discoverReferrers(target: ReadOnlyTarget, subject: Descriptor, options: DiscoverOptions = {}): Promise<ReferrerNode> {
  const depth = options.depth ?? 1;
  const walk = async (descriptor: Descriptor, level: number, path: Set<string>): Promise<ReferrerNode> => {
    if (level >= depth) return { descriptor, referrers: [] };
    const direct = level === 0;
    const found = await target.referrers(descriptor, direct && options.artifactType !== undefined ? { artifactType: options.artifactType } : {});
    const children: ReferrerNode[] = [];
    for (const referrer of direct ? selectDirect(found, options) : found) {
      if (path.has(referrer.digest)) continue;
      children.push(await walk(referrer, level + 1, new Set([...path, referrer.digest])));
    }
    return { descriptor, referrers: children.sort(byTypeThenDigest) };
  };
  return walk(subject, 0, new Set([subject.digest]));
}
