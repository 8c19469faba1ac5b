// The public surface of @sealpack/lifecycle: verify-then-promote, its records, history and rollback.
export { LifecycleError, type LifecycleErrorCode, type LifecycleErrorKind } from './errors.ts';
export { environment, parseLifecycleConfig, tagFor, type EnvironmentConfig, type LifecycleConfig } from './config.ts';
export { judgeMove, promote, promotionRecords, type PromoteOptions, type PromotionRecord, type PromotionResult, type RecordVerdict } from './promote.ts';
export { promotionHistory, rollback, type HistoryEntry, type RollbackOptions } from './history.ts';
export { checkSchemaVersion, SCHEMA_VERSION_ANNOTATION } from './schema-version.ts';
export { applyGc, type ApplyGcOptions, type GcPlan, type GcPlanEntry, parseRetention, planGc, type PlanGcOptions, type Retention } from './gc.ts';
export type { GcArchive } from './gc-archive.ts';
export { historyLostByDeleting, refuseDeletingHistory } from './history-records.ts';
export { parseYamlFile } from './yaml-file.ts';
export { checkPublishInputs, publish, type PublishEvent, type PublishOptions, type PublishResult } from './publish.ts';
export type { CatalogRecord, PatchedRecord } from './publish-catalogs.ts';
