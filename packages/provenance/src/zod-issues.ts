import type { z } from 'zod';
import type { ProvenanceErrorCode } from './errors.ts';

/**
 * The first problem zod found, as a JSON path and the error code it amounts to: a bad time is
 * INVALID_TIMESTAMP and a bad digest INVALID_DIGEST, so that callers can branch on the kind of
 * fault without reading messages.
 */
export function firstIssue(error: z.ZodError): { path: string; message: string; code: ProvenanceErrorCode } {
  const issue = error.issues[0];
  const path = `$${(issue?.path ?? []).map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
  const message = issue?.message ?? 'invalid';
  const code: ProvenanceErrorCode = /timestamp/i.test(message) ? 'INVALID_TIMESTAMP' : /sha256|digest/i.test(message) ? 'INVALID_DIGEST' : 'INVALID_DOCUMENT';
  return { path, message, code };
}
