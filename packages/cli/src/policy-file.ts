import { readFile } from 'node:fs/promises';
import { UsageError } from './errors.ts';

/**
 * A policy file read and checked, with the policy package (loaded only by the commands that gate).
 * A file that cannot be read is a usage error with `unreadable` as its message; a malformed one is
 * the package's INVALID_POLICY (exit 2): never an allow.
 */
export async function readPolicyFile(path: string, shownAs: string, unreadable: string) {
  const gate = await import('@sealpack/policy');
  const text = await readFile(path, 'utf8').catch(() => {
    throw new UsageError(unreadable);
  });
  return { gate, policy: gate.parsePolicy(text, shownAs) };
}
