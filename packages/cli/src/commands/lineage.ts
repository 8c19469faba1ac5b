import { pinnedReference, referenceSelector } from '@sealpack/oci-client';
import { z } from 'zod';
import type { Command } from '../command.ts';
import { inputOpener } from '../input-sensitivity.ts';
import { parseOptions } from '../command-input.ts';
import { parseRef, withLayoutPath } from '../global-options.ts';
import { loadVerifying, verifyingKeyOptions, verifyPolicyFrom } from './signing-options.ts';

const LineageValues = z.object({
  depth: z.string().regex(/^\d+$/, 'a whole number').transform(Number).optional(),
  format: z.enum(['tree', 'json', 'dot'], { message: 'tree, json or dot' }).default('tree'),
});

export const lineageCommand: Command = {
  path: ['lineage'],
  usage: 'sealpack lineage REF [--depth N] [--format tree|json|dot] (--key FILE | --certificate-identity[-regexp] X --certificate-oidc-issuer[-regexp] Y | --allow-unverified)',
  operands: 1,
  summary: "an artifact's lineage: its inputs and theirs, through PROV attestations that verify",
  options: {
    depth: { type: 'string', valueName: 'N', defaultText: '8', description: 'hops to follow from the artifact' },
    format: { type: 'string', valueName: 'F', defaultText: 'tree', description: 'tree, json or dot (Graphviz)' },
    'allow-unverified': { type: 'boolean', description: 'also follow PROV attestations that do not verify (they stay marked as such)' },
    ...verifyingKeyOptions('PROV attestation'),
  },
  async run(context) {
    const { values, positionals, io, out } = context;
    const options = parseOptions(LineageValues, values);
    const ref = withLayoutPath(parseRef(positionals[0]), io.cwd);
    const allowUnverified = values['allow-unverified'] === true;
    const verifying = await loadVerifying();
    const { PREDICATE, lineageDot, lineageTree, walkLineage } = await import('@sealpack/provenance');
    const policy = hasIdentityFlags(values) || !allowUnverified ? await verifyPolicyFrom(values, io, verifying, PREDICATE.prov) : undefined;
    const target = await context.open(ref);
    const root = await target.resolve(referenceSelector(ref) ?? 'latest');
    const rootId = pinnedReference(ref, root.digest);
    const { attestedProvReader } = await import('@sealpack/policy');
    const reader = attestedProvReader(inputOpener(context), policy);
    const graph = await walkLineage(rootId, reader, { ...(options.depth === undefined ? {} : { maxDepth: options.depth }), allowUnverified });
    if (out.options.json || options.format === 'json') out.json(graph);
    else out.text(`${options.format === 'dot' ? lineageDot(graph) : lineageTree(graph)}\n`);
  },
};

const hasIdentityFlags = (values: Record<string, unknown>) => ['key', 'certificate-identity', 'certificate-identity-regexp'].some((flag) => values[flag] !== undefined);
