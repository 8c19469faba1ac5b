import { type Descriptor, manifestChildren, parseManifest, type ReadOnlyTarget } from '@sealpack/oci-client';
import { SENSITIVITY_ANNOTATION } from './input-labels.ts';

/** What a move takes along besides its root: the manifests of an index, and (copy -r, backup) the referrers graph. */
export interface CarriedGraph {
  referrers: boolean;
  /** The referrers the move keeps, by the manifest's own artifact type (copy's `--include/--exclude-artifact-type`). */
  includeReferrer?: (artifactType: string) => boolean;
}

/** A manifest a move carries that has a sensitivity label of its own. */
export interface CarriedLabel {
  digest: string;
  sensitivity: string;
}

/** More manifests than this in one move is refused rather than walked without end. */
const MAX_CARRIED = 50_000;

/**
 * The labelled manifests a move of `root` carries: the children of an index (at any depth) and,
 * when the move takes referrers, the referrers graph as copy walks it (each referrer judged by the
 * artifact type of its own manifest, as copy does). The judge checks each label against the
 * destination, so restricted data does not leave inside an unlabelled index or as a referrer of
 * a public subject. Unlabelled manifests (signatures, SBOMs) travel with what they are about.
 */
export async function carriedLabels(target: ReadOnlyTarget, root: Descriptor, graph: CarriedGraph): Promise<{ labels: CarriedLabel[]; complete: boolean }> {
  const labels: CarriedLabel[] = [];
  const seen = new Set<string>([root.digest]);
  const pending: Array<{ descriptor: Descriptor; root: boolean }> = [{ descriptor: root, root: true }];
  while (pending.length > 0) {
    if (seen.size > MAX_CARRIED) return { labels, complete: false };
    const { descriptor, root: isRoot } = pending.pop() as { descriptor: Descriptor; root: boolean };
    const parsed = parseManifest(await target.fetchManifest(descriptor), descriptor.mediaType);
    const annotations = (parsed.manifest.annotations ?? {}) as Record<string, string>;
    if (!isRoot && Object.hasOwn(annotations, SENSITIVITY_ANNOTATION)) labels.push({ digest: descriptor.digest, sensitivity: annotations[SENSITIVITY_ANNOTATION] as string });
    // The same children copy visits as manifests: an index's entries, and manifest-typed layers.
    const next: Descriptor[] = manifestChildren(parsed);
    if (graph.referrers) {
      for (const referrer of await target.referrers(descriptor)) {
        const manifest = parseManifest(await target.fetchManifest(referrer), referrer.mediaType);
        const artifactType = manifest.manifest.artifactType ?? (manifest.kind === 'manifest' ? manifest.manifest.config.mediaType : '');
        if (graph.includeReferrer === undefined || graph.includeReferrer(artifactType)) next.push(referrer);
      }
    }
    for (const child of next) {
      if (seen.has(child.digest)) continue;
      seen.add(child.digest);
      pending.push({ descriptor: child, root: false });
    }
  }
  return { labels, complete: true };
}
