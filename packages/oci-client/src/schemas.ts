import { z } from 'zod';
import { isDigest, type Digest } from './digest.ts';
import { OciError } from './errors.ts';
import { isManifestMediaType, MEDIA_TYPE_DOCKER_MANIFEST, MEDIA_TYPE_DOCKER_MANIFEST_LIST, MEDIA_TYPE_IMAGE_INDEX, MEDIA_TYPE_IMAGE_MANIFEST } from './media-types.ts';

// image-spec descriptor.md: mediaType per RFC 6838 (type/subtype, optional parameters).
const mediaTypePattern = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(\s*;.*)?$/;

export const DigestSchema = z
  .string()
  .refine(isDigest, { message: 'invalid digest' })
  .transform((v) => v as Digest);
export const MediaTypeSchema = z.string().regex(mediaTypePattern, 'not a media type (want TYPE/SUBTYPE, e.g. application/vnd.example.v1+json)');

/** RFC 6838 `type/subtype` (with optional parameters), as image-spec descriptors require. */
export function isMediaType(value: string): boolean {
  return mediaTypePattern.test(value);
}
const AnnotationsSchema = z.record(z.string(), z.string());

const PlatformSchema = z.looseObject({
  architecture: z.string(),
  os: z.string(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
  variant: z.string().optional(),
});

/** descriptor.md; unknown fields are kept (the spec says they MUST be ignored, not dropped). */
export const DescriptorSchema = z.looseObject({
  mediaType: MediaTypeSchema,
  digest: DigestSchema,
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  urls: z.array(z.string()).optional(),
  annotations: AnnotationsSchema.optional(),
  data: z.string().optional(),
  artifactType: MediaTypeSchema.optional(),
  platform: PlatformSchema.optional(),
});
export type Descriptor = z.infer<typeof DescriptorSchema>;

/** manifest.md; also accepts Docker schema 2, which has the same shape. */
const ImageManifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.enum([MEDIA_TYPE_IMAGE_MANIFEST, MEDIA_TYPE_DOCKER_MANIFEST]).optional(),
  artifactType: MediaTypeSchema.optional(),
  config: DescriptorSchema,
  layers: z.array(DescriptorSchema),
  subject: DescriptorSchema.optional(),
  annotations: AnnotationsSchema.optional(),
});
export type ImageManifest = z.infer<typeof ImageManifestSchema>;

/** image-index.md. */
export const ImageIndexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.enum([MEDIA_TYPE_IMAGE_INDEX, MEDIA_TYPE_DOCKER_MANIFEST_LIST]).optional(),
  artifactType: MediaTypeSchema.optional(),
  manifests: z.array(DescriptorSchema),
  subject: DescriptorSchema.optional(),
  annotations: AnnotationsSchema.optional(),
});
export type ImageIndex = z.infer<typeof ImageIndexSchema>;

export type ParsedManifest = { kind: 'manifest'; mediaType: string; manifest: ImageManifest } | { kind: 'index'; mediaType: string; manifest: ImageIndex };

function describeIssues(error: z.ZodError): string {
  const first = error.issues[0];
  if (first === undefined) return 'invalid';
  const path = first.path.length > 0 ? first.path.join('.') : '(root)';
  return `${path}: ${first.message}`;
}

/**
 * Parses manifest bytes whose media type is known from the transport (Content-Type or
 * descriptor). A `mediaType` field inside the body must agree with it (image-spec
 * manifest.md: "when used, this field MUST contain the media type").
 */
export function parseManifest(bytes: Uint8Array, mediaType: string): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new OciError('INVALID_MANIFEST', `manifest is not valid JSON (${(cause as Error).message})`, { cause });
  }
  const inner = typeof json === 'object' && json !== null && 'mediaType' in json ? (json as { mediaType: unknown }).mediaType : undefined;
  if (inner !== undefined && inner !== mediaType) {
    throw new OciError('INVALID_MANIFEST', `manifest says mediaType '${String(inner)}' but was served as '${mediaType}'`);
  }
  if (mediaType === MEDIA_TYPE_IMAGE_MANIFEST || mediaType === MEDIA_TYPE_DOCKER_MANIFEST) {
    const result = ImageManifestSchema.safeParse(json);
    if (!result.success) throw new OciError('INVALID_MANIFEST', `invalid image manifest: ${describeIssues(result.error)}`);
    return { kind: 'manifest', mediaType, manifest: result.data };
  }
  if (mediaType === MEDIA_TYPE_IMAGE_INDEX || mediaType === MEDIA_TYPE_DOCKER_MANIFEST_LIST) {
    const result = ImageIndexSchema.safeParse(json);
    if (!result.success) throw new OciError('INVALID_MANIFEST', `invalid image index: ${describeIssues(result.error)}`);
    return { kind: 'index', mediaType, manifest: result.data };
  }
  throw new OciError('UNSUPPORTED_MEDIA_TYPE', `unsupported manifest media type '${mediaType}'`);
}

/** The media type of manifest bytes whose transport gave none: the body's own field, else guessed by shape. */
export function sniffManifestMediaType(bytes: Uint8Array): string {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new OciError('INVALID_MANIFEST', 'manifest is not valid JSON', { cause });
  }
  if (typeof json !== 'object' || json === null) throw new OciError('INVALID_MANIFEST', 'manifest is not a JSON object');
  const record = json as Record<string, unknown>;
  if (typeof record.mediaType === 'string') return record.mediaType;
  if (Array.isArray(record.manifests)) return MEDIA_TYPE_IMAGE_INDEX;
  if (record.config !== undefined) return MEDIA_TYPE_IMAGE_MANIFEST;
  throw new OciError('INVALID_MANIFEST', 'cannot tell the manifest media type');
}

/** Manifest references to other content: config, layers, child manifests. */
export function childDescriptors(parsed: ParsedManifest): Descriptor[] {
  return parsed.kind === 'manifest' ? [parsed.manifest.config, ...parsed.manifest.layers] : [...parsed.manifest.manifests];
}

/**
 * The children that a copy visits as manifests, by their descriptors' media types: an index's
 * entries, and an image manifest's config or layers that say they are manifests. A judge of what
 * a copy carries must walk exactly these.
 */
export function manifestChildren(parsed: ParsedManifest): Descriptor[] {
  return childDescriptors(parsed).filter((child) => isManifestMediaType(child.mediaType));
}

/**
 * A manifest's descriptor as an index lists it: with the artifactType (the manifest's own, else its
 * config media type) and annotations that let a reader filter referrers without fetching each one
 * (image-spec manifest.md; distribution-spec "Listing Referrers").
 */
export function indexEntryFor(descriptor: Descriptor, parsed: ParsedManifest): Descriptor {
  const artifactType = parsed.kind === 'manifest' ? (parsed.manifest.artifactType ?? parsed.manifest.config.mediaType) : parsed.manifest.artifactType;
  return {
    mediaType: descriptor.mediaType,
    digest: descriptor.digest,
    size: descriptor.size,
    ...(artifactType === undefined ? {} : { artifactType }),
    ...(parsed.manifest.annotations === undefined ? {} : { annotations: { ...parsed.manifest.annotations } }),
  };
}
