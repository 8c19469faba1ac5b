export { OciError, isOciError, type OciErrorCode, type OciErrorKind } from './errors.ts';
export { isDigest, parseDigest, sha256Of, digestOf, digestHex, type Digest } from './digest.ts';
export * from './media-types.ts';
export {
  DescriptorSchema,
  ImageManifestSchema,
  ImageIndexSchema,
  DigestSchema,
  MediaTypeSchema,
  parseManifest,
  sniffManifestMediaType,
  childDescriptors,
  type Descriptor,
  type ImageManifest,
  type ImageIndex,
  type ParsedManifest,
} from './schemas.ts';
export {
  parseReference,
  formatReference,
  pinnedReference,
  referenceSelector,
  isValidTag,
  isValidRepository,
  isLoopbackRegistry,
  DOCKER_HUB,
  type Reference,
  type RegistryReference,
  type LayoutReference,
} from './reference.ts';
export { bytesSource, fileSource, describeFile, readAll, type ContentSource, type DescribeFileOptions } from './content.ts';
export { FileDigestCache, defaultDigestCachePath, fileIdentity, type DigestCache, type FileIdentity } from './digest-cache.ts';
export { VerifyingStream, verifyBytes } from './verify-stream.ts';
export type { Target, FetchOptions, PushOptions, ReferrersOptions } from './target.ts';
export { LayoutTarget, type LayoutTargetOptions } from './layout/layout-target.ts';
export { RegistryTarget, type RegistryTargetOptions, type ReferrersMode } from './registry/registry-target.ts';
export { isDigestTag, referrersTag, readFallbackIndex, updateFallbackIndex, type TaggedManifestStore } from './registry/referrers-tag-schema.ts';
export { RegistryHttpClient, type HttpClientOptions } from './registry/http-client.ts';
export { DEFAULT_RETRY, type RetryPolicy } from './registry/retry.ts';
export { parseWwwAuthenticate, type AuthChallenge } from './registry/www-authenticate.ts';
export { nextLink } from './registry/link-header.ts';
export { anonymous, staticCredential, firstOf, type Credential, type CredentialProvider } from './registry/credentials.ts';
export {
  dockerConfigCredentials,
  storeDockerCredential,
  eraseDockerCredential,
  readDockerConfig,
  dockerConfigPath,
  DockerConfigSchema,
  type DockerConfig,
  type DockerConfigOptions,
} from './registry/docker-config.ts';
export { openTarget, type OpenTargetOptions } from './open-target.ts';
export { packFiles, packLayers, parseFileArgument, guessMediaType, emptyConfig, DEFAULT_ARTIFACT_TYPE, type PackFile, type PackOptions, type PackedArtifact, type PackedLayer } from './pack.ts';
export { pushFiles, pushPacked, type PushArtifactOptions, type PushResult } from './push-artifact.ts';
export { pullArtifact, fetchImageManifest, type PullOptions, type PullResult, type PulledFile } from './pull-artifact.ts';
export { DEFAULT_MANIFEST_LIMIT } from './limits.ts';
export { pingRegistry } from './registry/ping.ts';
export { discoverReferrers, type ReferrerNode, type DiscoverOptions } from './discover.ts';
export { writeFileAtomic, streamToFileAtomic } from './fs-atomic.ts';
export { copyGraph, type CopyOptions, type CopyResult } from './copy.ts';
export { archiveLayout, extractLayoutArchive } from './layout/layout-archive.ts';
export { backup, restore, type BackupOptions } from './backup.ts';
