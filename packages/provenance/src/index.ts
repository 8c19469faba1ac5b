// The public surface of @sealpack/provenance: pure, deterministic builders and strict readers.
export { ProvenanceError, type ProvenanceErrorCode, type ProvenanceErrorKind } from './errors.ts';
export { DEFAULT_JSON_LIMITS, parseStrictJson, type JsonLimits } from './strict-json.ts';
export { canonicalDigest, canonicalize } from './jcs.ts';
export { buildRunManifest, currentEnvironment, parseRunManifest, RUN_MANIFEST_SCHEMA, runManifestDigest, serializeRunManifest, type RunItem, type RunManifest } from './run-manifest.ts';
export { PROV_CONTEXT } from './prov/context.ts';
export { buildProvDocument, type ProvDocument, type ProvRun } from './prov/build.ts';
export { artifactReferencesIn, parseProvDocument, type ParsedProv, type ProvNode } from './prov/parse.ts';
export { buildStatement, IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_V1, parseStatement, statementNames, type Statement, type StatementOptions } from './statement.ts';
export { PREDICATE } from './predicate-types.ts';
export { hashFile, type HashedFile } from './sbom/files.ts';
export { checkLicense } from './sbom/license.ts';
export { spdxDocument, validateSpdxDocument, type SbomOptions, type SpdxDocument } from './sbom/spdx.ts';
export { cyclonedxBom } from './sbom/cyclonedx.ts';
export { walkLineage, type AttestedProv, type LineageEdge, type LineageGraph, type LineageNode, type LineageNodeKind, type LineageOptions, type ProvReader } from './lineage.ts';
export { lineageDot, lineageTree } from './lineage-format.ts';
