import { access, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { mapLimit } from './concurrency.ts';
import { OciError } from './errors.ts';
import { ANNOTATION_TITLE } from './media-types.ts';
import { safeJoin } from './safe-path.ts';
import { parseManifest, type Descriptor, type ImageManifest } from './schemas.ts';
import type { Target } from './target.ts';

export interface PullOptions {
  /** Replace files that already exist. */
  overwrite?: boolean;
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (received: number, total: number) => void;
}

export interface PulledFile {
  path: string;
  title: string;
  descriptor: Descriptor;
}

export interface PullResult {
  descriptor: Descriptor;
  manifest: ImageManifest;
  files: PulledFile[];
  /** Layers without a title: nothing to name a file by, so not written (as oras does). */
  skipped: Descriptor[];
}

/** Reads and validates the image manifest a descriptor names. */
export async function fetchImageManifest(target: Target, descriptor: Descriptor): Promise<ImageManifest> {
  const parsed = parseManifest(await target.fetchManifest(descriptor), descriptor.mediaType);
  if (parsed.kind !== 'manifest') throw new OciError('UNSUPPORTED', `${descriptor.digest} is an image index, not an artifact manifest; pull one of its manifests`);
  return parsed.manifest;
}

/**
 * Writes an artifact's titled layers into `outDir`. Every path is checked before any byte is
 * written, each file goes to a temp name and is renamed only once its digest is verified, so an
 * interrupted or hostile pull leaves no partial or misplaced file.
 */
export async function pullArtifact(target: Target, reference: string, outDir: string, options: PullOptions = {}): Promise<PullResult> {
  const descriptor = await target.resolve(reference);
  const manifest = await fetchImageManifest(target, descriptor);
  const root = resolve(outDir);
  await mkdir(root, { recursive: true });
  const planned: PulledFile[] = [];
  const skipped: Descriptor[] = [];
  const seen = new Set<string>();
  for (const layer of manifest.layers) {
    const title = layer.annotations?.[ANNOTATION_TITLE];
    if (title === undefined) {
      skipped.push(layer);
      continue;
    }
    const path = await safeJoin(root, title);
    if (seen.has(path)) throw new OciError('INVALID_MANIFEST', `two layers have the same title '${title}'`);
    seen.add(path);
    if (options.overwrite !== true) {
      const exists = await access(path).then(() => true, () => false);
      if (exists) throw new OciError('ALREADY_EXISTS', `${path} exists (use --overwrite to replace it)`);
    }
    planned.push({ path, title, descriptor: layer });
  }
  const total = planned.reduce((sum, f) => sum + f.descriptor.size, 0);
  let received = 0;
  await mapLimit(planned, options.concurrency ?? 4, async (file) => {
    await mkdir(dirname(file.path), { recursive: true });
    // Re-check after mkdir: a directory created meanwhile must not have become a link.
    await safeJoin(root, file.title);
    let last = 0;
    await target.fetchToFile(file.descriptor, file.path, {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onProgress: (bytes) => {
        received += bytes - last;
        last = bytes;
        options.onProgress?.(received, total);
      },
    });
  });
  return { descriptor, manifest, files: planned, skipped };
}
