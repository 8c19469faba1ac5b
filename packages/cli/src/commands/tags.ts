import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { parseRef } from '../global-options.ts';

export const tagsCommand: Command = {
  path: ['tags'],
  usage: 'sealpack tags REPO',
  operands: 1,
  summary: 'list the tags of a repository, sorted',
  options: {},
  async run({ positionals, out, open }) {
    const ref = parseRef(positionals[0], 'REPO');
    if (ref.tag !== undefined || ref.digest !== undefined) throw new UsageError('tags takes a repository without a tag or digest');
    const target = await open(ref);
    const tags = await target.tags();
    if (out.options.json) out.json({ repository: target.location, tags });
    else for (const tag of tags) out.line(tag);
  },
};
