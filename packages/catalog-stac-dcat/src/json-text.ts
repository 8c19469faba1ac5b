import { CatalogError } from './errors.ts';

/** How a JSON text is laid out, so that a patched record keeps its indentation and final newline. */
export interface JsonLayout {
  indent: string | number;
  finalNewline: boolean;
}

export function readJson(text: string, record: string): { value: unknown; layout: JsonLayout } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new CatalogError('RECORD_NOT_JSON', `${record} is not JSON: ${(cause as Error).message}`, { record, cause });
  }
  refuseDeepNesting(value, record);
  const indented = /\n([ \t]+)["}\]]/.exec(text)?.[1];
  const indent = indented === undefined ? 0 : indented.startsWith('\t') ? '\t' : indented.length;
  return { value, layout: { indent, finalNewline: text.endsWith('\n') } };
}

export function writeJson(value: unknown, layout: JsonLayout): string {
  return `${JSON.stringify(value, null, layout.indent)}${layout.finalNewline ? '\n' : ''}`;
}

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A value from a document, for a message: JSON.stringify, never String() (a `toString` member would run or throw). */
export const shown = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined'));

/**
 * How deep a catalog record may nest. A STAC Item's deepest legitimate part is a MultiPolygon's
 * coordinates (5 levels below the geometry); the bound leaves room for extensions while keeping
 * every recursive walk of the record (patching, cloning, serialising, schema validation) far from
 * the stack's limit.
 */
const MAX_RECORD_DEPTH = 128;

/** Whether a value nests deeper than `MAX_RECORD_DEPTH`, found without recursion. */
export function nestsTooDeep(value: unknown): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    if (depth > MAX_RECORD_DEPTH) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}

/** The message for a record nested too deep, said the same way by the reader and the validators. */
export const TOO_DEEP_MESSAGE = `nests deeper than ${MAX_RECORD_DEPTH} levels: not a catalog record`;

function refuseDeepNesting(value: unknown, record: string): void {
  if (nestsTooDeep(value)) throw new CatalogError('RECORD_TOO_DEEP', `${record} ${TOO_DEEP_MESSAGE}`, { record });
}
