import { parseManifest, referenceSelector } from '@sealpack/oci-client';
import type { CommandContext } from './command.ts';
import { referenceOfProvId } from './prov-reference.ts';

/**
 * How every gate of the CLI (policy check, verify --policy, publish, promote) reads the
 * sensitivity label of an input its PROV names: the `dev.sealpack.sensitivity` annotation of that
 * artifact's manifest. Unknown (undefined) when it cannot be read, which the inheritance rule
 * counts against the subject (fail closed).
 */
export function inputSensitivityReader(context: Pick<CommandContext, 'open'>): (id: string) => Promise<string | undefined> {
  return async (id) => {
    const ref = referenceOfProvId(id);
    if (ref === undefined) return undefined;
    try {
      const target = await context.open(ref);
      const descriptor = await target.resolve(referenceSelector(ref) ?? 'latest');
      const parsed = parseManifest(await target.fetchManifest(descriptor), descriptor.mediaType);
      return (parsed.manifest.annotations as Record<string, string> | undefined)?.['dev.sealpack.sensitivity'];
    } catch {
      return undefined;
    }
  };
}
