// The public surface of @sealpack/policy: fail-closed gates over an artifact's evidence.
export { PolicyError, type PolicyErrorCode, type PolicyErrorKind } from './errors.ts';
export { EvidenceSchema, type AttestationEvidence, type Evidence, type EvidenceInput, type SignatureEvidence } from './evidence.ts';
export { DEFAULT_SENSITIVITY_LEVELS, parsePolicy, POLICY_API_VERSION, type Policy, type Rule, type RuleType } from './policy-file.ts';
export { compilePolicy, DECISION_SCHEMA, type CompiledPolicy, type Decision, type RuleResult, type SignerSeen } from './evaluate.ts';
export { checkDestination, destinationVerdict } from './destinations.ts';
export { DEFAULT_POLICY_NAME, defaultPolicy, judgeArtifact, type JudgeOptions, type Judgement } from './judge.ts';
export { type InputLabel, type InputLabelOptions, inputLabelReader, type OpenInput, referenceOfProvId, SENSITIVITY_ANNOTATION } from './input-labels.ts';
export { attestedProvReader } from './prov-reader.ts';
export type { CarriedGraph } from './carried-labels.ts';
export { decisionJUnit, decisionTable } from './report.ts';
export { collectEvidence, type CollectOptions } from './collect.ts';
export { parseYamlWithSchema, type YamlFault } from './yaml-schema.ts';
