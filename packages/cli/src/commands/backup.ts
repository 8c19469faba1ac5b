import { resolve } from 'node:path';
import { backup, pinnedReference, referenceSelector, restore } from '@sealpack/oci-client';
import type { Command } from '../command.ts';
import { signalOption } from '../io.ts';
import { UsageError } from '../errors.ts';
import { parseRef, repositoryName, withLayoutPath } from '../global-options.ts';
import { sideOptions } from '../connection-options.ts';
import { ARTIFACT_TYPE_FILTER_OPTIONS, referrerFilterOption } from '../command-input.ts';
import { judgeMoveTo, MOVE_GATE_OPTIONS } from '../move-gate.ts';

export const backupCommand: Command = {
  path: ['backup'],
  usage: 'sealpack backup REF -o DIR|FILE.tar [--merge] [--policy FILE [--env ENV]] [--key PUB] [--include-artifact-type T]... [--exclude-artifact-type T]...',
  operands: 1,
  summary: 'save an artifact with its whole referrers graph as an OCI layout directory or tar (air-gap transfer)',
  options: {
    output: { type: 'string', short: 'o', valueName: 'DIR|FILE.tar', description: 'where to write: an OCI layout directory (or ocidir://DIR), or a tar when the name ends in .tar; required' },
    merge: { type: 'boolean', description: 'add to a directory that already holds content instead of refusing' },
    ...ARTIFACT_TYPE_FILTER_OPTIONS,
    ...MOVE_GATE_OPTIONS,
  },
  async run(context) {
    const { values, positionals, out, io, open } = context;
    const ref = parseRef(positionals[0]);
    if (typeof values.output !== 'string') throw new UsageError('backup needs -o DIR or -o FILE.tar');
    const path = resolve(io.cwd, backupPath(values.output));
    const source = await open(ref);
    const subject = await source.resolve(referenceSelector(ref) ?? 'latest');
    // A backup is a move too (an air-gap hand-over): its destination is the layout it writes.
    await judgeMoveTo(context, source, subject, pinnedReference(ref, subject.digest), `ocidir://${path}`, { referrers: true, ...referrerFilterOption(values) });
    const progress = out.progress('backup');
    // The digest the judge allowed is what is saved, whatever the tag names by now; the tag names it in the backup.
    const result = await backup(source, subject.digest, path, {
      ...(ref.tag === undefined ? {} : { tag: ref.tag }),
      merge: values.merge === true,
      ...referrerFilterOption(values),
      onWarning: (w) => out.warn(w),
      onProgress: (n) => progress.update(n),
      ...signalOption(io),
    });
    progress.done();
    if (out.options.json) {
      out.json({
        reference: pinnedReference(ref, result.root.digest),
        digest: result.root.digest,
        path,
        tag: result.tag,
        manifests: result.manifests,
        referrers: result.referrers,
        excluded: result.excluded,
        blobs: result.blobs,
        bytes: result.bytes,
      });
      return;
    }
    out.result(
      `Saved ${pinnedReference(ref, result.root.digest)} with ${result.referrers} referrer(s)${result.excluded > 0 ? ` (${result.excluded} left out by artifact type)` : ''} to ${path}`,
      pinnedReference(ref, result.root.digest),
    );
  },
};

export const restoreCommand: Command = {
  path: ['restore'],
  usage: 'sealpack restore DIR|FILE.tar DST [--policy FILE [--env ENV]] [--key PUB]',
  operands: 2,
  summary: 'put a backup back into a registry or layout, digests unchanged (judged first: restricted data goes only where a policy allows)',
  options: { ...MOVE_GATE_OPTIONS, ...sideOptions('to') },
  async run(context) {
    const { positionals, out, io, open } = context;
    const [from, dstText] = positionals;
    if (from === undefined) throw new UsageError('missing DIR|FILE.tar');
    const dst = parseRef(dstText, 'DST');
    if (dst.digest !== undefined) throw new UsageError('DST takes a tag, not a digest');
    const progress = out.progress('restore');
    const result = await restore(resolve(io.cwd, from), await open(dst, { side: 'to' }), {
      ...(dst.tag === undefined ? {} : { tag: dst.tag }),
      admit: (source, root) => judgeMoveTo(context, source, root, `ocidir://${resolve(io.cwd, from)}@${root.digest}`, repositoryName(withLayoutPath(dst, io.cwd)), { referrers: true }),
      onWarning: (w) => out.warn(w),
      onProgress: (n) => progress.update(n),
      ...signalOption(io),
    });
    progress.done();
    const pinned = pinnedReference(dst, result.root.digest);
    if (out.options.json) {
      out.json({ reference: pinned, digest: result.root.digest, tag: result.tag, tags: result.tags, manifests: result.manifests, referrers: result.referrers, blobs: result.blobs });
      return;
    }
    out.result(`Restored ${pinned} (${result.tags.length === 1 ? 'tag' : 'tags'} ${result.tags.join(', ')})`, pinned);
  },
};

/**
 * `-o ocidir://DIR` names the layout directory as everywhere else; a tag or digest there would
 * mean nothing (backup tags the root itself), so it is refused rather than made part of a path.
 */
function backupPath(output: string): string {
  if (!output.startsWith('ocidir://')) return output;
  const ref = parseRef(output, '-o');
  if (ref.kind !== 'layout' || ref.tag !== undefined || ref.digest !== undefined) throw new UsageError(`-o ${output}: give the directory alone; backup tags the root with the source's tag`);
  return ref.path;
}
