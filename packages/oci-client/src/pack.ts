import type { BigIntStats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { describeFile, fileSource, bytesSource, type ContentSource, type DescribeFileOptions } from './content.ts';
import { fileIdentity, type DigestCache, type FileIdentity } from './digest-cache.ts';
import { sha256Of } from './digest.ts';
import { OciError } from './errors.ts';
import { ANNOTATION_CREATED, ANNOTATION_TITLE, EMPTY_JSON_BYTES, EMPTY_JSON_DIGEST, MEDIA_TYPE_EMPTY_JSON, MEDIA_TYPE_IMAGE_MANIFEST } from './media-types.ts';
import { MediaTypeSchema, type Descriptor, type ImageManifest } from './schemas.ts';

/** oras's default, so artifacts pushed by either tool look alike. */
const DEFAULT_ARTIFACT_TYPE = 'application/vnd.unknown.artifact.v1';

// Media types for the deliverables sealpack is for, so a bare `push REF file.pmtiles` is typed.
const MEDIA_TYPE_BY_EXTENSION: Record<string, string> = {
  '.pmtiles': 'application/vnd.pmtiles',
  '.parquet': 'application/vnd.apache.parquet',
  '.geoparquet': 'application/vnd.apache.parquet',
  '.geojson': 'application/geo+json',
  '.json': 'application/json',
  '.jsonld': 'application/ld+json',
  '.tif': 'image/tiff; application=geotiff',
  '.tiff': 'image/tiff; application=geotiff',
  '.csv': 'text/csv',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tar': 'application/x-tar',
  '.onnx': 'application/vnd.onnx',
};

export function guessMediaType(path: string): string {
  return MEDIA_TYPE_BY_EXTENSION[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export interface PackFile {
  path: string;
  /** Layer media type; guessed from the extension when absent. */
  mediaType?: string;
  /** `org.opencontainers.image.title`; the file's basename when absent. */
  title?: string;
  /** More annotations for the file's layer descriptor (the title is added). */
  annotations?: Record<string, string>;
}

export interface PackOptions {
  artifactType?: string;
  annotations?: Record<string, string>;
  /**
   * `org.opencontainers.image.created`. A Date sets it; `null` leaves it out, which together with
   * fixed inputs makes the manifest digest reproducible. Default: now.
   */
  created?: Date | null;
  subject?: Descriptor;
}

export interface PackedLayer {
  descriptor: Descriptor;
  source: ContentSource;
}

export interface PackedArtifact {
  manifest: ImageManifest;
  manifestBytes: Uint8Array;
  descriptor: Descriptor;
  config: PackedLayer;
  layers: PackedLayer[];
}

/** `FILE[:MEDIATYPE]`, oras's spelling; a colon inside the path is kept when what follows is no media type. */
export function parseFileArgument(argument: string): PackFile {
  const colon = argument.lastIndexOf(':');
  if (colon > 0) {
    const mediaType = argument.slice(colon + 1);
    if (MediaTypeSchema.safeParse(mediaType).success) return { path: argument.slice(0, colon), mediaType };
  }
  return { path: argument };
}

function checkTitle(title: string): void {
  if (title.length === 0 || title.includes('\0')) throw new OciError('INVALID_INPUT', `invalid file title '${title}'`);
}

/** The empty config descriptor of image-spec manifest.md "Guidance for an Empty Descriptor". */
function emptyConfig(): PackedLayer {
  return {
    descriptor: { mediaType: MEDIA_TYPE_EMPTY_JSON, digest: EMPTY_JSON_DIGEST, size: 2, data: 'e30=' },
    source: bytesSource(EMPTY_JSON_BYTES),
  };
}

/** A file checked and named, not yet hashed. */
export interface PlannedFile {
  path: string;
  title: string;
  mediaType: string;
  size: number;
  /** As stat saw it while planning: what a digest cache is asked about. */
  identity: FileIdentity;
  /** The layer descriptor's annotations: the title and any the file brought. */
  annotations: Record<string, string>;
}

function fileError(path: string, error: unknown): OciError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new OciError('INVALID_INPUT', `no such file: ${path}`);
  if (code === 'EISDIR') return new OciError('INVALID_INPUT', `${path} is a directory (give files)`);
  return new OciError('IO', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
}

/**
 * `notes.txt:text` where `text` is no media type: parseFileArgument kept the whole argument as the
 * path, which does not exist. Say what is wrong with it instead of "no such file".
 */
async function mistypedMediaType(path: string, error: unknown): Promise<OciError | undefined> {
  const colon = path.lastIndexOf(':');
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || colon <= 0) return undefined;
  const exists = await stat(path.slice(0, colon)).then(
    () => true,
    () => false,
  );
  if (!exists) return undefined;
  return new OciError('INVALID_INPUT', `'${path.slice(colon + 1)}' after ${path.slice(0, colon)} is not a media type (want TYPE/SUBTYPE, e.g. text/plain)`);
}

/** Checks titles (unique, non-empty) and that every file is a readable regular file, before any work. */
export async function planFiles(files: readonly PackFile[]): Promise<PlannedFile[]> {
  const titles = new Set<string>();
  const planned: PlannedFile[] = [];
  for (const file of files) {
    const title = file.title ?? basename(file.path);
    checkTitle(title);
    if (titles.has(title)) throw new OciError('INVALID_INPUT', `two files would have the same title '${title}'`);
    titles.add(title);
    let info: BigIntStats;
    try {
      info = await stat(file.path, { bigint: true });
    } catch (error) {
      throw (await mistypedMediaType(file.path, error)) ?? fileError(file.path, error);
    }
    if (info.isDirectory()) throw new OciError('INVALID_INPUT', `${file.path} is a directory (give files)`);
    // A device, pipe or socket has no fixed bytes to digest (`/dev/null` would push as empty).
    if (!info.isFile()) throw new OciError('INVALID_INPUT', `${file.path} is not a regular file`);
    planned.push({
      path: file.path,
      title,
      mediaType: file.mediaType ?? guessMediaType(file.path),
      size: Number(info.size),
      identity: fileIdentity(info),
      annotations: { ...file.annotations, [ANNOTATION_TITLE]: title },
    });
  }
  return planned;
}

/** The layer of a planned file the cache knows unchanged since it was hashed, without reading it. */
export function describeFromCache(file: PlannedFile, cache: DigestCache): PackedLayer | undefined {
  const digest = cache.lookup(file.path, file.identity);
  if (digest === undefined) return undefined;
  return { descriptor: { mediaType: file.mediaType, digest, size: file.size, annotations: file.annotations }, source: fileSource(file.path, file.size) };
}

/** Hashes a planned file into its layer descriptor (unless the cache knows the file unchanged). */
export async function describePlanned(file: PlannedFile, options: DescribeFileOptions = {}): Promise<PackedLayer> {
  let descriptor: Descriptor;
  try {
    descriptor = await describeFile(file.path, file.mediaType, file.annotations, options);
  } catch (error) {
    // An abort is the caller's own doing, not a file that cannot be read: it goes back as it came.
    if (options.signal?.aborted === true) throw error;
    throw fileError(file.path, error);
  }
  return { descriptor, source: fileSource(file.path, descriptor.size) };
}

/** An OCI 1.1 artifact manifest (image-spec manifest.md, artifacts guidance) over local files. */
export async function packFiles(files: readonly PackFile[], options: PackOptions = {}): Promise<PackedArtifact> {
  const layers: PackedLayer[] = [];
  for (const file of await planFiles(files)) layers.push(await describePlanned(file));
  return packLayers(layers, options);
}

/** Packs already-described content (in memory or elsewhere) into an artifact manifest. */
export function packLayers(layers: PackedLayer[], options: PackOptions = {}): PackedArtifact {
  const config = emptyConfig();
  const annotations: Record<string, string> = { ...options.annotations };
  const created = options.created === undefined ? new Date() : options.created;
  if (created !== null && annotations[ANNOTATION_CREATED] === undefined) {
    annotations[ANNOTATION_CREATED] = created.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
    artifactType: options.artifactType ?? DEFAULT_ARTIFACT_TYPE,
    config: config.descriptor,
    layers: layers.length === 0 ? [config.descriptor] : layers.map((l) => l.descriptor),
    ...(options.subject === undefined ? {} : { subject: { mediaType: options.subject.mediaType, digest: options.subject.digest, size: options.subject.size } }),
    ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
  };
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
  const descriptor: Descriptor = {
    mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
    digest: sha256Of(manifestBytes),
    size: manifestBytes.byteLength,
    artifactType: manifest.artifactType as string,
  };
  return { manifest, manifestBytes, descriptor, config, layers };
}
