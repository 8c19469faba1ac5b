// @sealpack/provenance/statement: the in-toto Statement and the predicate type URIs alone, for a
// verifier that reads signed statements without loading the SBOM and lineage builders.
export { ProvenanceError, type ProvenanceErrorCode, type ProvenanceErrorKind } from '../errors.ts';
export { PREDICATE } from '../predicate-types.ts';
export { buildStatement, IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_V1, parseStatement, statementNames, type Statement, type StatementOptions } from '../statement.ts';
