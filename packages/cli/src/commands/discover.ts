import { discoverReferrers, pinnedReference, referenceSelector, referrerType, type ReferrerNode } from '@sealpack/oci-client';
import { z } from 'zod';
import type { Command } from '../command.ts';
import { parseRef } from '../global-options.ts';
import { parseOptions } from '../command-input.ts';
import { parseAnnotations } from '../annotations.ts';

const DiscoverValues = z.object({
  'artifact-type': z.string().min(1).optional(),
  annotation: z.array(z.string()).optional(),
  latest: z.boolean().optional(),
  depth: z.coerce.number().int().min(1).max(32).optional(),
  format: z.enum(['tree', 'table', 'json']).optional(),
});

/**
 * As `oras discover` draws it: one group per artifact type, the referrers' digests below it, and
 * a referrer's own referrers nested under its digest.
 */
function treeLines(node: ReferrerNode, prefix: string, lines: string[]): void {
  const groups = new Map<string, ReferrerNode[]>();
  for (const child of node.referrers) groups.set(referrerType(child.descriptor), [...(groups.get(referrerType(child.descriptor)) ?? []), child]);
  [...groups].forEach(([type, members], g) => {
    const lastGroup = g === groups.size - 1;
    lines.push(`${prefix}${lastGroup ? '└── ' : '├── '}${type}`);
    const inGroup = `${prefix}${lastGroup ? '    ' : '│   '}`;
    members.forEach((child, i) => {
      const last = i === members.length - 1;
      lines.push(`${inGroup}${last ? '└── ' : '├── '}${child.descriptor.digest}`);
      treeLines(child, `${inGroup}${last ? '    ' : '│   '}`, lines);
    });
  });
}

function tableRows(node: ReferrerNode, level: number, rows: string[][]): void {
  for (const child of node.referrers) {
    rows.push([String(level), child.descriptor.artifactType ?? '-', child.descriptor.digest, String(child.descriptor.size)]);
    tableRows(child, level + 1, rows);
  }
}

function toJson(node: ReferrerNode): unknown {
  return { ...node.descriptor, referrers: node.referrers.map(toJson) };
}

export const discoverCommand: Command = {
  path: ['discover'],
  usage: 'sealpack discover REF [--artifact-type T] [-a KEY=VALUE]... [--latest] [--depth N] [--format tree|table|json]',
  operands: 1,
  summary: 'show the referrers graph (signatures, SBOMs, provenance) of an artifact',
  options: {
    'artifact-type': { type: 'string', valueName: 'T', description: 'only direct referrers of this artifact type' },
    annotation: { type: 'string', short: 'a', multiple: true, valueName: 'KEY=VALUE', description: 'only direct referrers with this annotation, repeatable' },
    latest: { type: 'boolean', description: 'of the direct referrers left, only the newest (org.opencontainers.image.created)' },
    depth: { type: 'string', valueName: 'N', defaultText: '8', description: 'levels of referrers to follow' },
    format: { type: 'string', short: 'o', valueName: 'tree|table|json', defaultText: 'tree', description: 'output format (--json implies json)' },
  },
  async run({ values, positionals, out, open }) {
    const options = parseOptions(DiscoverValues, values);
    const ref = parseRef(positionals[0]);
    const target = await open(ref);
    const subject = await target.resolve(referenceSelector(ref) ?? 'latest');
    const root = await discoverReferrers(target, subject, {
      depth: options.depth ?? 8,
      ...(options['artifact-type'] === undefined ? {} : { artifactType: options['artifact-type'] }),
      annotations: parseAnnotations(options.annotation ?? []),
      latest: options.latest === true,
    });
    const format = out.options.json ? 'json' : (options.format ?? 'tree');
    const pinned = pinnedReference(ref, subject.digest);
    if (format === 'json') {
      out.json({ reference: pinned, ...(toJson(root) as object) });
    } else if (format === 'table') {
      const rows: string[][] = [['LEVEL', 'ARTIFACT TYPE', 'DIGEST', 'SIZE']];
      tableRows(root, 1, rows);
      const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
      for (const row of rows)
        out.line(
          row
            .map((cell, c) => cell.padEnd(widths[c] ?? 0))
            .join('  ')
            .trimEnd(),
        );
    } else {
      const lines = [pinned];
      treeLines(root, '', lines);
      for (const line of lines) out.line(line);
    }
  },
};
