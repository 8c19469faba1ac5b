import { parseReference, pinnedReference, type Reference, referenceSelector } from '@sealpack/oci-client';
import type { CommandContext } from './command.ts';
import { UsageError } from './errors.ts';
import { withLayoutPath } from './global-options.ts';

/** `KEY=VALUE` of a repeatable flag (`--param`), split at the first `=`. */
export function keyValue(text: string, flag: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`${flag} '${text}': want KEY=VALUE`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

/** A reference resolved to its manifest: PROV names artifacts only by digest, never by a tag that moves. */
export async function pinnedArtifact(text: string, context: CommandContext, flag: string): Promise<{ ref: string; sha256: string; size: number; mediaType: string }> {
  let ref: Reference;
  try {
    ref = parseReference(text);
  } catch {
    throw new UsageError(`${flag} '${text}' is neither a file nor an artifact reference nor a URL`);
  }
  const located = withLayoutPath(ref, context.io.cwd);
  const target = await context.open(located);
  const descriptor = await target.resolve(referenceSelector(located) ?? 'latest');
  return { ref: pinnedReference(located, descriptor.digest), sha256: descriptor.digest.slice(7), size: descriptor.size, mediaType: descriptor.mediaType };
}
