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
