import { CatalogError, distributionJson, type DistributionInput, parseDistribution, patchDcat, patchStac, StacValidator, validateDcat } from '@sealpack/catalog-stac-dcat';

/** A catalog record a publish points at the release: its file name, its kind, and its text. */
export interface CatalogRecord {
  name: string;
  kind: 'stac' | 'dcat';
  text: string;
}

/**
 * A record as written for the release. `restricted` marks the full record of a restricted
 * artifact, for a restricted catalog only (the public one is redacted); `distribution` is
 * distribution.oci.json, for pipelines that keep no catalog.
 */
export interface PatchedRecord {
  name: string;
  kind: 'stac' | 'dcat' | 'distribution';
  text: string;
  restricted?: boolean;
}

/**
 * Every record readable and valid (STAC 1.1 against its schemas, DCAT 3 by its checks) before
 * anything is pushed: a record that would fail to patch after the release was tagged would leave
 * a release no catalog knows of.
 */
export function checkCatalogRecords(records: readonly CatalogRecord[]): void {
  // Compiling the STAC schemas takes a while: only when there is a STAC record.
  const validator = records.some((r) => r.kind === 'stac') ? new StacValidator() : undefined;
  for (const record of records) {
    let value: unknown;
    try {
      value = JSON.parse(record.text);
    } catch {
      throw new CatalogError('RECORD_NOT_JSON', `${record.name} is not JSON`, { record: record.name });
    }
    const issues = record.kind === 'stac' && validator !== undefined ? validator.validate(value).issues : validateDcat(value);
    const first = issues[0];
    if (first !== undefined) {
      throw new CatalogError(
        record.kind === 'stac' ? 'NOT_STAC' : 'NOT_DCAT',
        `${record.name} is not a valid ${record.kind === 'stac' ? 'STAC 1.1' : 'DCAT 3'} record: ${first.path}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`,
        {
          record: record.name,
          path: first.path,
        },
      );
    }
  }
}

/** The records patched to point at the release (by digest, never the tag), and distribution.oci.json. */
export function patchCatalogRecords(records: readonly CatalogRecord[], input: DistributionInput): PatchedRecord[] {
  const distribution = parseDistribution(input);
  const patched: PatchedRecord[] = [];
  for (const record of records) {
    const result = record.kind === 'stac' ? patchStac(record.text, distribution, { record: record.name }) : patchDcat(record.text, distribution, { record: record.name });
    patched.push({ name: record.name, kind: record.kind, text: result.text });
    if (result.restricted !== undefined) patched.push({ name: record.name, kind: record.kind, text: result.restricted, restricted: true });
  }
  patched.push({ name: 'distribution.oci.json', kind: 'distribution', text: distributionJson(distribution) });
  return patched;
}
