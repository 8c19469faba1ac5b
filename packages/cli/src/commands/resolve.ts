import { pinnedReference, referenceSelector } from '@sealpack/oci-client';
import type { Command } from '../command.ts';
import { parseRef } from '../global-options.ts';

export const resolveCommand: Command = {
  path: ['resolve'],
  usage: 'sealpack resolve REF',
  operands: 1,
  summary: 'print the digest a tag points at',
  options: {},
  async run({ positionals, out, open }) {
    const ref = parseRef(positionals[0]);
    const target = await open(ref);
    const descriptor = await target.resolve(referenceSelector(ref) ?? 'latest');
    if (out.options.json) {
      out.json({ reference: pinnedReference(ref, descriptor.digest), ...descriptor });
      return;
    }
    out.line(descriptor.digest);
  },
};
