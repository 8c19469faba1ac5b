import { pinnedReference, pushFiles, referenceSelector, type Descriptor, sameRepository, formatReference } from '@sealpack/oci-client';
import { z } from 'zod';
import type { Command } from '../command.ts';
import { signalOption } from '../io.ts';
import { UsageError } from '../errors.ts';
import { parseRef, withLayoutPath } from '../global-options.ts';
import { parseAnnotations } from '../annotations.ts';
import { createdTime, fileArguments, MediaTypeOption, parseOptions } from '../command-input.ts';
import { withDigestCache } from '../digest-cache.ts';

const PushValues = z.object({
  'artifact-type': MediaTypeOption.optional(),
  annotation: z.array(z.string()).optional(),
  subject: z.string().optional(),
  concurrency: z.coerce.number().int().min(1).max(64).optional(),
  reproducible: z.boolean().optional(),
  'no-digest-cache': z.boolean().optional(),
});

export const pushCommand: Command = {
  path: ['push'],
  usage: 'sealpack push REF FILE[:MEDIATYPE]... [--artifact-type T] [-a KEY=VALUE]... [--subject REF] [--reproducible] [--no-digest-cache]',
  operands: 'many',
  summary: 'push files as an OCI artifact; prints the digest-pinned reference',
  options: {
    'artifact-type': { type: 'string', valueName: 'T', defaultText: 'application/vnd.unknown.artifact.v1', description: 'artifact type of the manifest (a media type)' },
    annotation: { type: 'string', short: 'a', multiple: true, valueName: 'KEY=VALUE', description: 'manifest annotation, repeatable' },
    subject: { type: 'string', valueName: 'REF', description: 'make the artifact a referrer of this manifest (same repository)' },
    concurrency: { type: 'string', valueName: 'N', defaultText: '8', description: 'files hashed and sent at once' },
    reproducible: { type: 'boolean', description: 'leave out the creation time, so the same files give the same digest (SOURCE_DATE_EPOCH sets one)' },
    'no-digest-cache': { type: 'boolean', description: 'hash every file again instead of trusting digests remembered for unchanged files' },
  },
  async run({ values, positionals, out, io, open }) {
    const options = parseOptions(PushValues, values);
    const [refText, ...fileArgs] = positionals;
    const ref = parseRef(refText);
    if (ref.digest !== undefined) throw new UsageError('push takes a tag, not a digest: the digest is what push computes');
    if (fileArgs.length === 0) throw new UsageError('push needs at least one FILE');
    const target = await open(ref);
    let subject: Descriptor | undefined;
    if (options.subject !== undefined) {
      const subjectRef = parseRef(options.subject, '--subject');
      const selector = referenceSelector(subjectRef);
      if (selector === undefined) throw new UsageError('--subject needs a tag or digest');
      // Referrers are listed only in their subject's repository: one pushed elsewhere is never found.
      if (!sameRepository(withLayoutPath(subjectRef, io.cwd), withLayoutPath(ref, io.cwd)))
        throw new UsageError(`--subject must name a manifest in the repository pushed to (${formatReference({ ...ref, tag: undefined })}): referrers are only found there`);
      subject = await (await open(subjectRef)).resolve(selector);
    }
    const progress = out.progress('push');
    const result = await withDigestCache(io, out, options['no-digest-cache'] === true, (digestCache) =>
      pushFiles(target, fileArguments(fileArgs, io.cwd), {
        tag: ref.tag ?? 'latest',
        ...(options['artifact-type'] === undefined ? {} : { artifactType: options['artifact-type'] }),
        annotations: parseAnnotations(options.annotation ?? []),
        created: createdTime(io.env, options.reproducible === true),
        ...(subject === undefined ? {} : { subject }),
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        onProgress: (sent, total) => progress.update(sent, total),
        ...(digestCache === undefined ? {} : { digestCache }),
        ...signalOption(io),
      }),
    );
    progress.done();
    const pinned = pinnedReference(ref, result.descriptor.digest);
    if (out.options.json) {
      out.json({
        reference: pinned,
        digest: result.descriptor.digest,
        mediaType: result.descriptor.mediaType,
        size: result.descriptor.size,
        artifactType: result.artifact.manifest.artifactType,
        tag: ref.tag ?? 'latest',
        files: result.artifact.layers.map((l) => ({
          title: l.descriptor.annotations?.['org.opencontainers.image.title'],
          digest: l.descriptor.digest,
          size: l.descriptor.size,
          mediaType: l.descriptor.mediaType,
        })),
      });
      return;
    }
    out.note(`Pushed ${result.artifact.layers.length} file(s) to ${target.location}:${ref.tag ?? 'latest'}`);
    out.result(`Pushed ${pinned}`, pinned);
    out.detail(`ArtifactType: ${result.artifact.manifest.artifactType}`);
    out.detail(`Digest: ${result.descriptor.digest}`);
  },
};
