// The public surface of @sealpack/oci-client: what a library user needs to push, pull, copy and
// inspect OCI artifacts in registries and OCI layouts. Store-specific parts are behind subpaths
// (`./registry`, `./layout`, `./cache`); anything not exported can change without a major version.
export { OciError, isOciError, type OciErrorCode, type OciErrorKind } from './errors.ts';
export { isDigest, sha256Of, type Digest } from './digest.ts';
export { ANNOTATION_CREATED, ANNOTATION_TITLE, MEDIA_TYPE_IMAGE_INDEX, MEDIA_TYPE_IMAGE_MANIFEST } from './media-types.ts';
export { isMediaType, manifestChildren, parseManifest, type Descriptor, type ImageIndex, type ImageManifest, type ParsedManifest } from './schemas.ts';
export {
  formatReference,
  isValidTag,
  parseReference,
  pinnedReference,
  referenceSelector,
  repositoryName,
  sameRepository,
  type LayoutReference,
  type Reference,
  type RegistryReference,
} from './reference.ts';
export { bytesSource, fileSource, type ContentSource } from './content.ts';
export type { FetchOptions, PushOptions, ReadOnlyTarget, ReferrersOptions, Target } from './target.ts';
export type { BlobMounter, ReferrersBatcher, RepositoryAddress } from './capabilities.ts';
export { openTarget, type OpenTargetOptions } from './open-target.ts';
export { anonymous, firstOf, staticCredential, type Credential, type CredentialProvider } from './registry/credentials.ts';
export { dockerConfigCredentials } from './registry/docker-config.ts';
export { packFiles, packLayers, parseFileArgument, type PackedArtifact, type PackedLayer, type PackFile, type PackOptions } from './pack.ts';
export { pushFiles, pushPacked, type PushArtifactOptions, type PushResult } from './push-artifact.ts';
export { pullArtifact, type PulledFile, type PullOptions, type PullResult } from './pull-artifact.ts';
export { referrersTag } from './registry/referrers-tag-schema.ts';
export { discoverReferrers, referrerType, type DiscoverOptions, type ReferrerNode } from './discover.ts';
export { artifactTypeFilter, copyGraph, type CopyOptions, type CopyResult } from './copy.ts';
export { backup, restore, type BackupOptions, type RestoreOptions } from './backup.ts';
