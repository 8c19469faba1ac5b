import { bytesSource } from './content.ts';
import { mapLimit } from './concurrency.ts';
import { packFiles, type PackedArtifact, type PackFile, type PackOptions } from './pack.ts';
import type { Descriptor } from './schemas.ts';
import type { Target } from './target.ts';

export interface PushArtifactOptions extends PackOptions {
  tag?: string;
  /** Blobs in flight at once. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Bytes sent so far across all blobs, and the total. */
  onProgress?: (sent: number, total: number) => void;
}

export interface PushResult {
  descriptor: Descriptor;
  artifact: PackedArtifact;
}

/**
 * Pushes a packed artifact: blobs first (in parallel, skipping those present), the manifest last,
 * so a tag never points at a manifest whose content is missing (distribution-spec "Pushing
 * Manifests": referenced blobs must exist first).
 */
export async function pushPacked(target: Target, artifact: PackedArtifact, options: Omit<PushArtifactOptions, keyof PackOptions> = {}): Promise<PushResult> {
  const blobs = [artifact.config, ...artifact.layers];
  const total = blobs.reduce((sum, b) => sum + b.descriptor.size, 0);
  const sentPerBlob = new Array<number>(blobs.length).fill(0);
  let sent = 0;
  await mapLimit(blobs, options.concurrency ?? 8, async (blob, index) => {
    await target.push(blob.descriptor, blob.source, {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onProgress: (bytes) => {
        sent += bytes - (sentPerBlob[index] ?? 0);
        sentPerBlob[index] = bytes;
        options.onProgress?.(sent, total);
      },
    });
  });
  await target.push(artifact.descriptor, bytesSource(artifact.manifestBytes), {
    ...(options.tag === undefined ? {} : { tag: options.tag }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { descriptor: artifact.descriptor, artifact };
}

/** Packs files into an OCI 1.1 artifact and pushes it. */
export async function pushFiles(target: Target, files: readonly PackFile[], options: PushArtifactOptions = {}): Promise<PushResult> {
  const artifact = await packFiles(files, options);
  return pushPacked(target, artifact, options);
}
