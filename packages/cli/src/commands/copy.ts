import { copyGraph, pinnedReference, referenceSelector, type CopyResult } from '@sealpack/oci-client';
import { z } from 'zod';
import type { Command } from '../command.ts';
import { signalOption } from '../io.ts';
import { UsageError } from '../errors.ts';
import { parseRef, repositoryName, withLayoutPath } from '../global-options.ts';
import { ARTIFACT_TYPE_FILTER_OPTIONS, parseOptions, referrerFilterOption } from '../command-input.ts';
import { sideOptions } from '../connection-options.ts';
import { judgeMoveTo, MOVE_GATE_OPTIONS } from '../move-gate.ts';

const CopyValues = z.object({
  recursive: z.boolean().optional(),
  concurrency: z.coerce.number().int().min(1).max(256).optional(),
});

export const copyCommand: Command = {
  path: ['copy'],
  usage:
    'sealpack copy SRC DST [-r] [--policy FILE [--env ENV]] [--key PUB] [--concurrency N] [--include-artifact-type T]... [--exclude-artifact-type T]... [--from-username U --from-password-stdin|--from-password-file F] [--to-…]',
  operands: 2,
  summary: 'copy an artifact (with -r its referrers graph) between registries and layouts, digests unchanged',
  options: {
    recursive: { type: 'boolean', short: 'r', description: 'copy the referrers graph too (signatures, SBOMs, provenance, and theirs)' },
    concurrency: { type: 'string', valueName: 'N', defaultText: '8', description: 'blobs and referrers in flight at once' },
    ...ARTIFACT_TYPE_FILTER_OPTIONS,
    ...MOVE_GATE_OPTIONS,
    ...sideOptions('from'),
    ...sideOptions('to'),
  },
  async run(context) {
    const { values, positionals, out, io, open } = context;
    const options = parseOptions(CopyValues, values);
    const filter = referrerFilterOption(values);
    if (filter.includeReferrer !== undefined && options.recursive !== true) throw new UsageError('--include-artifact-type and --exclude-artifact-type choose referrers: they need -r');
    const [srcText, dstText] = positionals;
    const src = parseRef(srcText, 'SRC');
    const dst = parseRef(dstText, 'DST');
    if (dst.digest !== undefined) throw new UsageError('DST takes a tag, not a digest: the digest is kept from SRC');
    const selector = referenceSelector(src) ?? 'latest';
    // As oras: the destination tag defaults to the source tag when the source named one.
    const tag = dst.tag ?? src.tag;
    // Both ends opened first: a credential mistake on either side is found before any request.
    const source = await open(src, { side: 'from', peer: dst });
    const destination = await open(dst, { side: 'to', peer: src });
    const subject = await source.resolve(selector);
    // The judge first, on the digest it resolved; that digest is what is copied, whatever the tag does meanwhile.
    await judgeMoveTo(context, source, subject, pinnedReference(src, subject.digest), repositoryName(withLayoutPath(dst, io.cwd)), { referrers: options.recursive === true, ...filter });
    const progress = out.progress('copy');
    const result = await copyGraph(source, destination, subject.digest, {
      recursive: options.recursive === true,
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(tag === undefined ? {} : { tag }),
      ...filter,
      onWarning: (warning) => out.warn(warning),
      onProgress: (copied) => progress.update(copied),
      ...signalOption(io),
    });
    progress.done();
    const pinned = pinnedReference(dst, result.root.digest);
    if (out.options.json) {
      out.json({
        reference: pinned,
        digest: result.root.digest,
        manifests: result.manifests,
        referrers: result.referrers,
        excluded: result.excluded,
        blobs: result.blobs,
        mounted: result.mounted,
        skipped: result.skipped,
        bytes: result.bytes,
      });
      return;
    }
    out.note(copySummary(result));
    out.result(`Copied ${pinned}`, pinned);
  },
};

/** What moved, in words: referrers and mounted blobs counted apart from the bytes sent. */
function copySummary(result: CopyResult): string {
  const parts = [`Copied ${result.manifests} manifest(s) and ${result.blobs} blob(s) (${result.bytes} bytes)`];
  if (result.referrers > 0) parts.push(`${result.referrers} referrer(s) included`);
  if (result.excluded > 0) parts.push(`${result.excluded} left out by artifact type`);
  if (result.mounted > 0) parts.push(`${result.mounted} blob(s) mounted without transfer`);
  parts.push(`${result.skipped} already there`);
  return parts.join('; ');
}
