// @sealpack/oci-client/registry: a registry repository as a Target, and what talks to registries
// outside one (login checks, docker's config.json, the referrers tag schema).
export { RegistryTarget, type ReferrersMode, type RegistryTargetOptions } from '../registry/registry-target.ts';
export type { HttpClientOptions } from '../registry/http-client.ts';
export { DEFAULT_RETRY, type RetryPolicy } from '../registry/retry.ts';
export { pingRegistry } from '../registry/ping.ts';
export { dockerConfigPath, eraseDockerCredential, readDockerConfig, storeDockerCredential, type DockerConfig, type DockerConfigOptions } from '../registry/docker-config.ts';
export { isDigestTag, referrersTag } from '../registry/referrers-tag-schema.ts';
export { isLoopbackRegistry, registryScheme, type SchemeOptions } from '../reference.ts';
