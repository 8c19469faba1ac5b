import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { OciError, formatReference } from '@sealpack/oci-client';
import { access } from 'node:fs/promises';
import type { Command } from '../command.ts';
import { signalOption } from '../io.ts';
import { UsageError } from '../errors.ts';
import { parseRef } from '../global-options.ts';

export const blobGetCommand: Command = {
  path: ['blob', 'get'],
  usage: 'sealpack blob get REF@DIGEST -o FILE|- [--size N]',
  operands: 1,
  summary: 'download one blob, verified against its digest (to a file, or - for stdout)',
  options: {
    output: { type: 'string', short: 'o', valueName: 'FILE|-', description: 'file to write, or - for standard output; required' },
    size: { type: 'string', valueName: 'N', description: "the blob's size in bytes when known (saves a request)" },
    overwrite: { type: 'boolean', description: 'replace FILE if it exists' },
  },
  async run({ values, positionals, out, io, open }) {
    const ref = parseRef(positionals[0]);
    if (ref.digest === undefined) throw new UsageError('blob get needs REF@DIGEST');
    if (typeof values.output !== 'string') throw new UsageError('blob get needs -o FILE (or -o - for standard output)');
    const target = await open(ref);
    let size: number;
    if (typeof values.size === 'string') {
      size = Number(values.size);
      if (!Number.isInteger(size) || size < 0) throw new UsageError('--size must be a whole number of bytes');
    } else {
      size = (await target.resolveBlob(ref.digest)).size;
    }
    const descriptor = { mediaType: 'application/octet-stream', digest: ref.digest, size };
    const progress = out.progress('blob');
    const onProgress = (n: number) => progress.update(n, size);
    if (values.output === '-') {
      await pipeline(await target.fetch(descriptor, { onProgress, ...signalOption(io) }), io.stdout, { end: false });
      return;
    }
    const path = resolve(io.cwd, values.output);
    if (
      values.overwrite !== true &&
      (await access(path).then(
        () => true,
        () => false,
      ))
    ) {
      throw new OciError('ALREADY_EXISTS', `${path} exists (use --overwrite to replace it)`);
    }
    await target.fetchToFile(descriptor, path, { onProgress, ...signalOption(io) });
    progress.done();
    if (out.options.json) out.json({ reference: formatReference(ref), digest: ref.digest, size, path });
    else out.note(`Wrote ${path} (${size} bytes, ${ref.digest})`);
  },
};
