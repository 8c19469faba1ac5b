// The public surface of @sealpack/catalog-stac-dcat: patch catalog records to point at exact bytes, and check them offline.
export { CatalogError, type CatalogErrorCode, type CatalogErrorKind } from './errors.ts';
export { digestToMultihash, multihashToDigest } from './multihash.ts';
export { artifactRef, distributionJson, fileHref, parseDistribution, SENSITIVITY, type Distribution, type DistributionInput, type PublishedFile, type Sensitivity } from './distribution.ts';
export { ALTERNATE_EXTENSION, DISTRIBUTION_EXTENSION, FILE_EXTENSION, patchStac, type StacPatchOptions, type StacPatchResult } from './stac-patch.ts';
export { StacValidator, type StacIssue, type StacValidation } from './validate-stac.ts';
export { DCAT_CONTEXT, patchDcat, validateDcat, type DcatIssue, type DcatPatchResult } from './dcat.ts';
