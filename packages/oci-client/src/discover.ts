import type { Descriptor } from './schemas.ts';
import type { Target } from './target.ts';

export interface ReferrerNode {
  descriptor: Descriptor;
  referrers: ReferrerNode[];
}

export interface DiscoverOptions {
  /** Levels of referrers to follow (1: direct referrers only). */
  depth?: number;
  artifactType?: string;
}

/**
 * The referrers graph below a subject, level by level (a signature on an SBOM is depth 2). A
 * digest already on the path is not followed again, so a cyclic graph cannot loop.
 */
export async function discoverReferrers(target: Target, subject: Descriptor, options: DiscoverOptions = {}): Promise<ReferrerNode> {
  const depth = options.depth ?? 1;
  const walk = async (descriptor: Descriptor, level: number, path: Set<string>): Promise<ReferrerNode> => {
    if (level >= depth) return { descriptor, referrers: [] };
    const found = await target.referrers(descriptor, options.artifactType === undefined || level > 0 ? {} : { artifactType: options.artifactType });
    const children: ReferrerNode[] = [];
    for (const referrer of found) {
      if (path.has(referrer.digest)) continue;
      children.push(await walk(referrer, level + 1, new Set([...path, referrer.digest])));
    }
    return { descriptor, referrers: children };
  };
  return walk(subject, 0, new Set([subject.digest]));
}
