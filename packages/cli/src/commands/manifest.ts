import { pinnedReference, referenceSelector } from '@sealpack/oci-client';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { ask } from '../prompt.ts';
import { parseRef } from '../global-options.ts';

export const manifestGetCommand: Command = {
  path: ['manifest', 'get'],
  usage: 'sealpack manifest get REF [--descriptor] [--pretty]',
  operands: 1,
  summary: 'print the raw manifest (verified against its digest)',
  options: {
    descriptor: { type: 'boolean', description: "print the manifest's descriptor (media type, digest, size) instead of its bytes" },
    pretty: { type: 'boolean', description: 'indent the JSON (the raw bytes are what the digest covers)' },
  },
  async run({ values, positionals, out, open }) {
    const ref = parseRef(positionals[0]);
    const target = await open(ref);
    const descriptor = await target.resolve(referenceSelector(ref) ?? 'latest');
    if (values.descriptor === true) {
      out.json(descriptor);
      return;
    }
    const bytes = await target.fetchManifest(descriptor);
    if (out.options.json) {
      out.json({ reference: pinnedReference(ref, descriptor.digest), digest: descriptor.digest, descriptor, manifest: JSON.parse(new TextDecoder().decode(bytes)) as unknown });
      return;
    }
    // The raw bytes are what the digest covers; --pretty is for reading, not for hashing.
    if (values.pretty === true) out.text(`${JSON.stringify(JSON.parse(new TextDecoder().decode(bytes)), null, 2)}\n`);
    else out.raw(bytes);
  },
};

export const manifestDeleteCommand: Command = {
  path: ['manifest', 'delete'],
  usage: 'sealpack manifest delete REF [--force]',
  operands: 1,
  summary: 'delete a manifest (asks first on a terminal; --force without asking)',
  options: {
    force: { type: 'boolean', short: 'f', description: 'delete without asking (needed without a terminal)' },
  },
  async run({ values, positionals, out, open, io }) {
    const ref = parseRef(positionals[0]);
    const selector = referenceSelector(ref);
    if (selector === undefined) throw new UsageError('manifest delete needs a tag or digest');
    const target = await open(ref);
    const descriptor = await target.resolve(selector);
    // Before asking: promotion history is an audit trail, and --force is about the question only.
    await (await import('@sealpack/lifecycle')).refuseDeletingHistory(target, descriptor);
    if (values.force !== true) {
      if (io.stdin.isTTY !== true) throw new UsageError('refusing to delete without confirmation: pass --force');
      const answer = await ask(io, `Delete ${pinnedReference(ref, descriptor.digest)}? [y/N] `);
      if (!/^y(es)?$/i.test(answer.trim())) {
        out.note('Not deleted');
        return;
      }
    }
    // distribution 2.8 cannot delete by tag: delete the digest the tag resolved to.
    await target.delete(descriptor);
    if (out.options.json) out.json({ reference: pinnedReference(ref, descriptor.digest), digest: descriptor.digest, deleted: true });
    else out.result(`Deleted ${pinnedReference(ref, descriptor.digest)}`, pinnedReference(ref, descriptor.digest));
  },
};
