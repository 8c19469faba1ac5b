import type { Readable } from 'node:stream';
import type { ContentSource } from './content.ts';
import type { Descriptor } from './schemas.ts';
import type { Digest } from './digest.ts';

export interface FetchOptions {
  signal?: AbortSignal;
  /** Called with the running byte count while a blob streams. */
  onProgress?: (bytes: number) => void;
}

export interface PushOptions {
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
}

export interface ReferrersOptions {
  artifactType?: string;
}

/**
 * What reading needs, and all that copy's source, pull and discover ask of a store: code that only
 * reads says so in its signature (oras-go's ReadOnlyTarget).
 */
export interface ReadOnlyTarget {
  /** Human-readable location, safe to print (no credentials). */
  readonly location: string;

  exists(descriptor: Descriptor): Promise<boolean>;

  /** A stream of the content that errors (DIGEST_MISMATCH / SIZE_MISMATCH) unless it matches the descriptor. */
  fetch(descriptor: Descriptor, options?: FetchOptions): Promise<Readable>;

  /**
   * Writes the content to `path` atomically: verified in full before it is renamed into place,
   * never a partial file. Faster than piping `fetch` into a file where the store can write directly.
   */
  fetchToFile(descriptor: Descriptor, path: string, options?: FetchOptions): Promise<void>;

  /** Manifest bytes, size-capped and verified against the descriptor. */
  fetchManifest(descriptor: Descriptor, options?: FetchOptions): Promise<Uint8Array>;

  /** The descriptor (size) of a blob known only by digest; NOT_FOUND when absent. */
  resolveBlob(digest: Digest): Promise<Descriptor>;

  /** A tag or digest to the descriptor of the manifest it names. */
  resolve(reference: string, options?: FetchOptions): Promise<Descriptor>;

  /** All tags, sorted. */
  tags(): Promise<string[]>;

  /** Manifests whose `subject` is the given manifest (image-spec manifest.md#subject). */
  referrers(subject: Descriptor, options?: ReferrersOptions): Promise<Descriptor[]>;

  /** Releases connections or locks. */
  close(): Promise<void>;
}

/**
 * One store of content-addressed OCI content, the only transport surface higher packages see.
 * Modelled on oras-go's Fetcher/Pusher/TagResolver/GraphStorage: registries and OCI layouts both
 * implement it, so copy and pack are written once. Descriptors whose media type is a manifest type
 * are manifests; everything else is a blob. Optional abilities are in `capabilities.ts`.
 */
export interface Target extends ReadOnlyTarget {
  /**
   * Stores content under its descriptor. The content is verified before it becomes visible.
   * `tag` (manifests only) names it at the same time, in one step where the store allows.
   */
  push(descriptor: Descriptor, content: ContentSource, options?: PushOptions & { tag?: string }): Promise<void>;

  /** Points one or more tags at a manifest that is already there. */
  tag(descriptor: Descriptor, tag: string, ...more: string[]): Promise<void>;

  delete(descriptor: Descriptor): Promise<void>;
}
