import { isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';

/** How many alias expansions a file may make (the yaml library's default is 100). */
const MAX_ALIAS_COUNT = 50;

/** A fault in a YAML file: where (`file:line:column`) and what, ready for a package's own error. */
export interface YamlFault {
  location: string;
  message: string;
}

/**
 * A YAML (or JSON) text checked against a zod schema, the way every sealpack configuration file
 * is read: duplicate keys are faults, and a fault in the YAML or against the schema is placed at
 * the `file:line:column` of the offending node. `fail` turns it into the caller's typed error.
 */
export function parseYamlWithSchema<T extends z.ZodType>(schema: T, text: string, file: string, fail: (fault: YamlFault) => Error): z.infer<T> {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number) => {
    const pos = lines.linePos(offset);
    return `${file}:${pos.line}:${pos.col}`;
  };
  const yamlError = document.errors[0];
  if (yamlError !== undefined) {
    const location = at(yamlError.pos[0]);
    throw fail({ location, message: `${location}: ${yamlError.message.split('\n')[0]}` });
  }
  let value: unknown;
  try {
    // An alias bomb (billion laughs: anchors of anchors) expands exponentially when turned into
    // values; the yaml library counts aliases against maxAliasCount and throws a ReferenceError.
    // Configuration files need few aliases, so the bound is small, and the refusal is the caller's.
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const location = at(0);
    throw fail({ location, message: `${location}: ${(error as Error).message.split('\n')[0]}` });
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = (issue?.path ?? []).map((p) => (typeof p === 'number' ? p : String(p)));
  // The deepest node on the issue's path that the document has.
  let node: Node | null | undefined = document.contents;
  let found = node;
  for (const key of path) {
    if (!isMap(node) && !isSeq(node)) break;
    node = node.get(key, true) as Node | undefined;
    if (node === undefined || node === null) break;
    found = node;
  }
  const location = at(found?.range?.[0] ?? 0);
  throw fail({ location, message: `${location}: ${path.length === 0 ? '(top)' : path.join('.')}: ${issue?.message ?? 'invalid'}` });
}
