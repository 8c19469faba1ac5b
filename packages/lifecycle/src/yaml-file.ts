import { isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { LifecycleError } from './errors.ts';

/**
 * A YAML (or JSON) file checked against a schema (environments, retention, and the CLI's sealpack.yaml); a fault, in the YAML or against the schema,
 * is an INVALID_CONFIG that names `file:line:column` of the offending node. Duplicate keys are faults.
 */
export function parseYamlFile<T extends z.ZodType>(schema: T, text: string, file: string): z.infer<T> {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const yamlError = document.errors[0];
  if (yamlError !== undefined) {
    const at = lines.linePos(yamlError.pos[0]);
    throw new LifecycleError('INVALID_CONFIG', `${file}:${at.line}:${at.col}: ${yamlError.message.split('\n')[0]}`);
  }
  const parsed = schema.safeParse(document.toJS());
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = (issue?.path ?? []).map((p) => (typeof p === 'number' ? p : String(p)));
  let node: Node | null | undefined = document.contents;
  let found = node;
  for (const key of path) {
    if (!isMap(node) && !isSeq(node)) break;
    node = node.get(key, true) as Node | undefined;
    if (node === undefined || node === null) break;
    found = node;
  }
  const at = lines.linePos(found?.range?.[0] ?? 0);
  throw new LifecycleError('INVALID_CONFIG', `${file}:${at.line}:${at.col}: ${path.join('.') || '(top)'}: ${issue?.message ?? 'invalid'}`);
}
