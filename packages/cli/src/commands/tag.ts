import { isValidTag, pinnedReference, referenceSelector } from '@sealpack/oci-client';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { parseRef } from '../global-options.ts';

export const tagCommand: Command = {
  path: ['tag'],
  usage: 'sealpack tag REF TAG...',
  operands: 'many',
  summary: 'point more tags at the manifest REF names',
  options: {},
  async run({ positionals, out, open }) {
    const [refText, first, ...more] = positionals;
    const ref = parseRef(refText);
    if (first === undefined) throw new UsageError('tag needs at least one TAG');
    const tags = [first, ...more];
    for (const tag of tags) if (!isValidTag(tag)) throw new UsageError(`'${tag}' is not a valid tag`);
    const target = await open(ref);
    const descriptor = await target.resolve(referenceSelector(ref) ?? 'latest');
    await target.tag(descriptor, first, ...more);
    for (const tag of tags) out.detail(`Tagged ${tag}`);
    if (out.options.json) out.json({ reference: pinnedReference(ref, descriptor.digest), digest: descriptor.digest, tags });
    else out.result(`Digest: ${descriptor.digest}`, pinnedReference(ref, descriptor.digest));
  },
};
