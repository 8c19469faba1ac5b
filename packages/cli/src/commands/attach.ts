import { resolve } from 'node:path';
import { parseFileArgument, pinnedReference, pushFiles, referenceSelector } from '@sealpack/oci-client';
import { z } from 'zod';
import type { Command } from '../command.ts';
import { parseAnnotations } from '../annotations.ts';
import { UsageError } from '../errors.ts';
import { parseRef } from '../global-options.ts';

const AttachValues = z.object({
  'artifact-type': z.string({ error: 'attach needs --artifact-type' }).min(1),
  annotation: z.array(z.string()).optional(),
});

export const attachCommand: Command = {
  path: ['attach'],
  usage: 'sealpack attach SUBJECT FILE[:MEDIATYPE]... --artifact-type T [-a KEY=VALUE]...',
  summary: "push files as a referrer of SUBJECT (evidence that travels with the subject's digest)",
  options: {
    'artifact-type': { type: 'string' },
    annotation: { type: 'string', short: 'a', multiple: true },
  },
  async run({ values, positionals, out, io, open }) {
    const parsed = AttachValues.safeParse(values);
    if (!parsed.success) throw new UsageError(parsed.error.issues[0]?.message ?? 'invalid options');
    const [subjectText, ...fileArgs] = positionals;
    const ref = parseRef(subjectText, 'SUBJECT');
    if (fileArgs.length === 0) throw new UsageError('attach needs at least one FILE');
    const target = await open(ref);
    const subject = await target.resolve(referenceSelector(ref) ?? 'latest');
    const epoch = io.env.SOURCE_DATE_EPOCH;
    const result = await pushFiles(target, fileArgs.map((arg) => {
      const file = parseFileArgument(arg);
      return { ...file, path: resolve(io.cwd, file.path) };
    }), {
      artifactType: parsed.data['artifact-type'],
      annotations: parseAnnotations(parsed.data.annotation ?? []),
      subject,
      ...(epoch !== undefined && /^\d+$/.test(epoch) ? { created: new Date(Number(epoch) * 1000) } : {}),
    });
    const pinned = pinnedReference(ref, result.descriptor.digest);
    if (out.options.json) {
      out.json({ reference: pinned, digest: result.descriptor.digest, artifactType: parsed.data['artifact-type'], subject: pinnedReference(ref, subject.digest) });
      return;
    }
    out.line(`Attached to ${pinnedReference(ref, subject.digest)}`);
    out.line(`Digest: ${result.descriptor.digest}`);
  },
};
