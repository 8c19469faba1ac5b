import { resolve } from 'node:path';
import { pinnedReference, pullArtifact, referenceSelector } from '@sealpack/oci-client';
import type { Command } from '../command.ts';
import { parseRef } from '../global-options.ts';

export const pullCommand: Command = {
  path: ['pull'],
  usage: 'sealpack pull REF [-o DIR] [--overwrite]',
  summary: "write an artifact's files into a directory, each verified before it appears",
  options: {
    output: { type: 'string', short: 'o' },
    overwrite: { type: 'boolean' },
  },
  async run({ values, positionals, out, io, open }) {
    const ref = parseRef(positionals[0]);
    const outDir = resolve(io.cwd, typeof values.output === 'string' ? values.output : '.');
    const target = await open(ref);
    const progress = out.progress('pull');
    const result = await pullArtifact(target, referenceSelector(ref) ?? 'latest', outDir, {
      overwrite: values.overwrite === true,
      onProgress: (done, total) => progress.update(done, total),
    });
    progress.done();
    const pinned = pinnedReference(ref, result.descriptor.digest);
    if (out.options.json) {
      out.json({
        reference: pinned,
        digest: result.descriptor.digest,
        outputDirectory: outDir,
        files: result.files.map((f) => ({ path: f.path, title: f.title, digest: f.descriptor.digest, size: f.descriptor.size })),
        skipped: result.skipped.map((d) => d.digest),
      });
      return;
    }
    for (const file of result.files) out.line(`${file.descriptor.digest}  ${file.title}`);
    if (result.skipped.length > 0) out.note(`Skipped ${result.skipped.length} layer(s) without a title`);
    out.line(`Pulled ${pinned}`);
  },
};
