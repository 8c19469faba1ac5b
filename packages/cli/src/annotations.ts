import { UsageError } from './errors.ts';

/** `-a KEY=VALUE` pairs (oras's spelling); a repeated key is a mistake, not a silent override. */
export function parseAnnotations(pairs: readonly string[]): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`annotation '${pair}' is not KEY=VALUE`);
    const key = pair.slice(0, eq);
    if (key in annotations) throw new UsageError(`annotation '${key}' given twice`);
    annotations[key] = pair.slice(eq + 1);
  }
  return annotations;
}
