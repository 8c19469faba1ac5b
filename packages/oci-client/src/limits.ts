/**
 * distribution-spec "Pushing Manifests": registries SHOULD accept manifests up to at least 4 MiB,
 * and distribution 2.8 rejects anything larger; refusing larger ones on read protects memory.
 */
export const DEFAULT_MANIFEST_LIMIT = 4 * 1024 * 1024;
