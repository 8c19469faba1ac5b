import parseSpdxExpression from 'spdx-expression-parse';
import { ProvenanceError } from '../errors.ts';

/**
 * A license as SBOMs state it: an SPDX license expression (`Apache-2.0`, `CC-BY-4.0 OR ODbL-1.0`),
 * or SPDX's `NOASSERTION` / `NONE`. Anything else is refused here, not written into an SBOM that
 * a scanner then rejects.
 */
export function checkLicense(expression: string): string {
  if (expression === 'NOASSERTION' || expression === 'NONE') return expression;
  try {
    parseSpdxExpression(expression);
  } catch {
    throw new ProvenanceError('INVALID_DOCUMENT', `'${expression}' is not an SPDX license expression (e.g. Apache-2.0, CC-BY-4.0 OR ODbL-1.0)`);
  }
  return expression;
}
