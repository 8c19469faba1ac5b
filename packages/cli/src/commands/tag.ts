import { isValidTag, pinnedReference, referenceSelector } from '@sealpack/oci-client';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { parseRef, repositoryName, withLayoutPath } from '../global-options.ts';
import { judgeMoveTo, MOVE_GATE_OPTIONS } from '../move-gate.ts';

export const tagCommand: Command = {
  path: ['tag'],
  usage: 'sealpack tag REF TAG... [--policy FILE [--env ENV]] [--key PUB]',
  operands: 'many',
  summary: 'point more tags at the manifest REF names, once the judge allows its label there (as copy does)',
  options: { ...MOVE_GATE_OPTIONS },
  async run(context) {
    const { positionals, out, open, io } = context;
    const [refText, first, ...more] = positionals;
    const ref = parseRef(refText);
    if (first === undefined) throw new UsageError('tag needs at least one TAG');
    const tags = [first, ...more];
    for (const tag of tags) if (!isValidTag(tag)) throw new UsageError(`'${tag}' is not a valid tag`);
    const target = await open(ref);
    const descriptor = await target.resolve(referenceSelector(ref) ?? 'latest');
    // A new name makes the artifact pullable by it: the judge first, as for any move, on the digest it resolved.
    await judgeMoveTo(context, target, descriptor, pinnedReference(ref, descriptor.digest), repositoryName(withLayoutPath(ref, io.cwd)), { referrers: false });
    await target.tag(descriptor, first, ...more);
    for (const tag of tags) out.detail(`Tagged ${tag}`);
    if (out.options.json) out.json({ reference: pinnedReference(ref, descriptor.digest), digest: descriptor.digest, tags });
    else out.result(`Digest: ${descriptor.digest}`, pinnedReference(ref, descriptor.digest));
  },
};
