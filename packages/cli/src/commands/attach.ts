import { pinnedReference, pushFiles, referenceSelector } from '@sealpack/oci-client';
import { z } from 'zod';
import type { Command } from '../command.ts';
import { signalOption } from '../io.ts';
import { parseAnnotations } from '../annotations.ts';
import { createdTime, fileArguments, MediaTypeOption, parseOptions } from '../command-input.ts';
import { withDigestCache } from '../digest-cache.ts';
import { UsageError } from '../errors.ts';
import { parseRef } from '../global-options.ts';

const AttachValues = z.object({
  'artifact-type': z.string({ error: 'attach needs --artifact-type' }).pipe(MediaTypeOption),
  annotation: z.array(z.string()).optional(),
  'no-digest-cache': z.boolean().optional(),
});

export const attachCommand: Command = {
  path: ['attach'],
  usage: 'sealpack attach SUBJECT FILE[:MEDIATYPE]... --artifact-type T [-a KEY=VALUE]... [--no-digest-cache]',
  operands: 'many',
  summary: "push files as a referrer of SUBJECT (evidence that travels with the subject's digest)",
  options: {
    'artifact-type': { type: 'string', valueName: 'T', description: 'artifact type of the referrer (a media type, e.g. application/spdx+json); required' },
    annotation: { type: 'string', short: 'a', multiple: true, valueName: 'KEY=VALUE', description: 'manifest annotation, repeatable' },
    'no-digest-cache': { type: 'boolean', description: 'hash every file again instead of trusting digests remembered for unchanged files' },
  },
  async run({ values, positionals, out, io, open }) {
    const options = parseOptions(AttachValues, values);
    const [subjectText, ...fileArgs] = positionals;
    const ref = parseRef(subjectText, 'SUBJECT');
    if (fileArgs.length === 0) throw new UsageError('attach needs at least one FILE');
    const target = await open(ref);
    const subject = await target.resolve(referenceSelector(ref) ?? 'latest');
    const result = await withDigestCache(io, out, options['no-digest-cache'] === true, (digestCache) =>
      pushFiles(target, fileArguments(fileArgs, io.cwd), {
        artifactType: options['artifact-type'],
        annotations: parseAnnotations(options.annotation ?? []),
        subject,
        created: createdTime(io.env, false),
        ...(digestCache === undefined ? {} : { digestCache }),
        ...signalOption(io),
      }),
    );
    const pinned = pinnedReference(ref, result.descriptor.digest);
    if (out.options.json) {
      out.json({ reference: pinned, digest: result.descriptor.digest, artifactType: options['artifact-type'], subject: pinnedReference(ref, subject.digest) });
      return;
    }
    out.detail(`Attached to ${pinnedReference(ref, subject.digest)}`);
    out.result(`Digest: ${result.descriptor.digest}`, pinned);
  },
};
