import { resolve } from 'node:path';
import { parseManifest, pinnedReference, pullArtifact, referenceSelector } from '@sealpack/oci-client';
import { z } from 'zod';
import type { Command } from '../command.ts';
import { signalOption } from '../io.ts';
import { parseOptions } from '../command-input.ts';
import { withDigestCache } from '../digest-cache.ts';
import { parseRef } from '../global-options.ts';

const PullValues = z.object({
  output: z.string().min(1).optional(),
  overwrite: z.boolean().optional(),
  'no-digest-cache': z.boolean().optional(),
  concurrency: z.coerce.number().int().min(1).max(64).optional(),
  'accept-schema': z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'MAJOR or MAJOR.MINOR')
    .optional(),
});

export const pullCommand: Command = {
  path: ['pull'],
  usage: 'sealpack pull REF [-o DIR] [--overwrite] [--concurrency N] [--no-digest-cache] [--accept-schema MAJOR[.MINOR]]',
  operands: 1,
  summary: "write an artifact's files into a directory, each verified before it appears; files already there with the same bytes are kept",
  options: {
    output: { type: 'string', short: 'o', valueName: 'DIR', defaultText: '.', description: 'directory to write the files into' },
    overwrite: { type: 'boolean', description: 'replace files and folders that exist with other content' },
    'no-digest-cache': { type: 'boolean', description: 'hash existing files again instead of trusting digests remembered for unchanged files' },
    // oras pull spells it so; the library's default is 4.
    concurrency: { type: 'string', valueName: 'N', defaultText: '4', description: 'files fetched at once' },
    'accept-schema': { type: 'string', valueName: 'RANGE', description: 'refuse an artifact whose dev.sealpack.schema-version is another major (MAJOR, or MAJOR.MINOR for that minor or later)' },
  },
  async run({ values, positionals, out, io, open }) {
    const options = parseOptions(PullValues, values);
    const ref = parseRef(positionals[0]);
    const outDir = resolve(io.cwd, options.output ?? '.');
    const target = await open(ref);
    const accept = options['accept-schema'];
    if (accept !== undefined) {
      // Checked on the manifest, before any file is written.
      const descriptor = await target.resolve(referenceSelector(ref) ?? 'latest');
      const parsed = parseManifest(await target.fetchManifest(descriptor), descriptor.mediaType);
      const { checkSchemaVersion, SCHEMA_VERSION_ANNOTATION } = await import('@sealpack/lifecycle');
      checkSchemaVersion((parsed.manifest.annotations as Record<string, string> | undefined)?.[SCHEMA_VERSION_ANNOTATION], accept, pinnedReference(ref, descriptor.digest));
    }
    const progress = out.progress('pull');
    const result = await withDigestCache(io, out, options['no-digest-cache'] === true, (digestCache) =>
      pullArtifact(target, referenceSelector(ref) ?? 'latest', outDir, {
        overwrite: options.overwrite === true,
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        onProgress: (done, total) => progress.update(done, total),
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
        outputDirectory: outDir,
        files: result.files.map((f) => ({ path: f.path, title: f.title, digest: f.descriptor.digest, size: f.descriptor.size, kept: f.kept, unpacked: f.unpacked })),
        skipped: result.skipped.map((d) => d.digest),
      });
      return;
    }
    for (const file of result.files) out.detail(`${file.descriptor.digest}  ${file.title}${file.unpacked ? '/  (folder, unpacked)' : ''}${file.kept ? '  (already there)' : ''}`);
    if (result.skipped.length > 0) out.note(`Skipped ${result.skipped.length} layer(s) without a title`);
    out.result(`Pulled ${pinned}`, pinned);
  },
};
