// Media types from the OCI image-spec (media-types.md) and the Docker v2 schema 2 types that
// registries still serve; manifests are only accepted in one of these.
export const MEDIA_TYPE_IMAGE_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const MEDIA_TYPE_IMAGE_INDEX = 'application/vnd.oci.image.index.v1+json';
export const MEDIA_TYPE_DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const MEDIA_TYPE_DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const MEDIA_TYPE_EMPTY_JSON = 'application/vnd.oci.empty.v1+json';
export const MEDIA_TYPE_OCTET_STREAM = 'application/octet-stream';

/** image-spec manifest.md "Guidance for an Empty Descriptor": the two-byte `{}` blob. */
export const EMPTY_JSON_BYTES = new TextEncoder().encode('{}');
export const EMPTY_JSON_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

export const MANIFEST_MEDIA_TYPES: readonly string[] = [MEDIA_TYPE_IMAGE_MANIFEST, MEDIA_TYPE_IMAGE_INDEX, MEDIA_TYPE_DOCKER_MANIFEST, MEDIA_TYPE_DOCKER_MANIFEST_LIST];

export function isManifestMediaType(mediaType: string): boolean {
  return MANIFEST_MEDIA_TYPES.includes(mediaType);
}

export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPE_IMAGE_INDEX || mediaType === MEDIA_TYPE_DOCKER_MANIFEST_LIST;
}

// Annotation keys from image-spec annotations.md.
export const ANNOTATION_TITLE = 'org.opencontainers.image.title';
export const ANNOTATION_CREATED = 'org.opencontainers.image.created';
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
