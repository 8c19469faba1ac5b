import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { CatalogError } from './errors.ts';
import { isObject, nestsTooDeep, TOO_DEEP_MESSAGE } from './json-text.ts';

// The schemas ship inside the package (schemas/, next to dist/ and src/); nothing is fetched.
const SCHEMA_DIR = fileURLToPath(new URL('../schemas/', import.meta.url));
const CORE = {
  Feature: 'https://schemas.stacspec.org/v1.1.0/item-spec/json-schema/item.json',
  Collection: 'https://schemas.stacspec.org/v1.1.0/collection-spec/json-schema/collection.json',
  Catalog: 'https://schemas.stacspec.org/v1.1.0/catalog-spec/json-schema/catalog.json',
} as const;

export interface StacIssue {
  /** Which schema said no: the core, or an extension's URL. */
  schema: string;
  path: string;
  message: string;
}

export interface StacValidation {
  valid: boolean;
  issues: StacIssue[];
  /** Extensions the record declares whose schemas are not shipped here: not checked, and said so. */
  unchecked: string[];
}

/** A validator over the shipped schemas, compiled once per use (ajv compiles each schema once). */
export class StacValidator {
  private readonly ajv: Ajv;
  private readonly known: Set<string>;

  constructor() {
    // strict: false — the STAC schemas use keywords (e.g. "title" in odd places) ajv's strict mode rejects.
    this.ajv = new Ajv({ allErrors: true, strict: false, loadSchema: async (uri) => Promise.reject(new Error(`${uri} is not shipped; no schema is fetched`)) });
    addFormats.default(this.ajv, ['date-time', 'uri', 'uri-reference']);
    // RFC 3987 IRIs: a scheme and no spaces (ajv has no iri formats of its own).
    this.ajv.addFormat('iri', (text: string) => /^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]*$/.test(text));
    this.ajv.addFormat('iri-reference', (text: string) => !/\s/.test(text));
    this.known = new Set();
    for (const dir of ['geojson', 'v1.0.0', 'v1.1.0', 'ext']) {
      for (const name of readdirSync(join(SCHEMA_DIR, dir)).filter((n) => n.endsWith('.json'))) {
        const schema = JSON.parse(readFileSync(join(SCHEMA_DIR, dir, name), 'utf8')) as Record<string, unknown>;
        // STAC 1.1.0 common.json declares "…/json-schema/commonjson" (a typo) but is referenced as common.json.
        const id = String(schema.$id)
          .replace(/commonjson$/, 'common.json')
          .replace(/#$/, '');
        this.ajv.addSchema({ ...schema, $id: id });
        this.known.add(id);
      }
    }
  }

  validate(value: unknown): StacValidation {
    // Before any schema walks it: ajv's validators recurse.
    if (nestsTooDeep(value)) return { valid: false, issues: [{ schema: 'STAC', path: '$', message: TOO_DEEP_MESSAGE }], unchecked: [] };
    if (!isObject(value) || typeof value.stac_version !== 'string') {
      return { valid: false, issues: [{ schema: 'STAC', path: '$', message: 'not a STAC record (no stac_version)' }], unchecked: [] };
    }
    const core = CORE[value.type as keyof typeof CORE] ?? (value.type === undefined ? undefined : CORE.Catalog);
    if (core === undefined || (value.type !== 'Feature' && value.type !== 'Collection' && value.type !== 'Catalog')) {
      return { valid: false, issues: [{ schema: 'STAC', path: '$.type', message: `type ${JSON.stringify(value.type)} is not Feature, Collection or Catalog` }], unchecked: [] };
    }
    const issues: StacIssue[] = [];
    const check = (id: string) => {
      const validate = this.ajv.getSchema(id) as ValidateFunction | undefined;
      if (validate === undefined) throw new CatalogError('CATALOG_INTERNAL', `the shipped schema ${id} did not load`);
      if (!validate(value)) issues.push(...(validate.errors ?? []).map((e) => issue(id, e)));
    };
    check(core);
    const unchecked: string[] = [];
    for (const url of Array.isArray(value.stac_extensions) ? value.stac_extensions : []) {
      // Not a string: the core schema reports it; it names no schema to check against.
      if (typeof url !== 'string') continue;
      const id = url.replace(/#$/, '');
      if (this.known.has(id)) check(id);
      else unchecked.push(url);
    }
    return { valid: issues.length === 0, issues: dedupe(issues), unchecked };
  }
}

function issue(schema: string, error: ErrorObject): StacIssue {
  const path = `$${error.instancePath
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('')}`;
  return { schema, path, message: error.message ?? 'invalid' };
}

/** ajv with allErrors repeats one fault through each oneOf branch; one line each is enough. */
function dedupe(issues: StacIssue[]): StacIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.schema} ${i.path} ${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
