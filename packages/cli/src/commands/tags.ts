import { isDigestTag } from '@sealpack/oci-client/registry';
import { formatReference } from '@sealpack/oci-client';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { parseRef } from '../global-options.ts';

export const tagsCommand: Command = {
  path: ['tags'],
  usage: 'sealpack tags REPO [--exclude-digest-tags]',
  operands: 1,
  summary: 'list the tags of a repository, sorted',
  options: {
    // oras repo tags spells it so: hides referrers-index and cosign signature tags (sha256-<hex>[.sig]).
    'exclude-digest-tags': { type: 'boolean', description: 'hide sha256-<hex> referrers indexes and cosign .sig/.att/.sbom tags' },
  },
  async run({ values, positionals, out, open }) {
    const ref = parseRef(positionals[0], 'REPO');
    if (ref.tag !== undefined || ref.digest !== undefined) throw new UsageError('tags takes a repository without a tag or digest');
    const target = await open(ref);
    const all = await target.tags();
    const tags = values['exclude-digest-tags'] === true ? all.filter((tag) => !isDigestTag(tag)) : all;
    if (out.options.json) out.json({ reference: formatReference(ref), repository: target.location, tags });
    else for (const tag of tags) out.line(tag);
  },
};
