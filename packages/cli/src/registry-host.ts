import { parseReference } from '@sealpack/oci-client';
import { UsageError } from './errors.ts';

/** `HOST[:PORT]` (an `oci://` prefix tolerated), validated with the reference grammar. */
export function parseRegistryHost(input: string | undefined): string {
  if (input === undefined) throw new UsageError('missing HOST');
  const bare = input.replace(/^oci:\/\//, '').replace(/\/+$/, '');
  if (bare.includes('/')) throw new UsageError(`'${input}' names a repository; give the registry host only`);
  const ref = parseReference(`${bare}/probe`);
  if (ref.kind !== 'registry' || (ref.registry === 'docker.io' && !/docker\.io$/.test(bare))) {
    throw new UsageError(`'${input}' is not a registry host (HOST or HOST:PORT)`);
  }
  return ref.registry;
}
