import type { LineageGraph, LineageNode } from './lineage.ts';

/** A lineage graph as an indented tree for a terminal: each node once, a repeat says so. */
export function lineageTree(graph: LineageGraph): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const children = new Map<string, string[]>();
  for (const edge of graph.edges) children.set(edge.from, [...(children.get(edge.from) ?? []), edge.to]);
  const lines: string[] = [];
  const shown = new Set<string>();
  const visit = (id: string, prefix: string, connector: string, childPrefix: string) => {
    const node = byId.get(id);
    const repeat = shown.has(id);
    lines.push(`${prefix}${connector}${id}${node === undefined ? '' : describe(node)}${repeat ? '  (shown above)' : ''}`);
    if (repeat) return;
    shown.add(id);
    const kids = children.get(id) ?? [];
    kids.forEach((kid, i) => {
      const last = i === kids.length - 1;
      visit(kid, prefix + childPrefix, last ? '└─ ' : '├─ ', last ? '   ' : '│  ');
    });
  };
  visit(graph.root, '', '', '');
  return lines.join('\n');
}

function describe(node: LineageNode): string {
  const parts: string[] = [];
  if (node.evidence === 'verified') parts.push(`PROV verified${node.note === undefined ? '' : `: ${node.note}`}`);
  if (node.evidence === 'unverified') parts.push(`PROV NOT VERIFIED${node.note === undefined ? '' : `: ${node.note}`}`);
  if (node.evidence === 'none') parts.push('no PROV attestation');
  if (node.truncated === true) parts.push('depth limit: not followed');
  return parts.length === 0 ? '' : `  [${parts.join('; ')}]`;
}

/** A lineage graph in Graphviz DOT: unverified edges dashed, artifacts as boxes. */
export function lineageDot(graph: LineageGraph): string {
  const quote = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const lines = ['digraph lineage {', '  rankdir=LR;'];
  for (const node of graph.nodes) {
    const shape = node.kind === 'artifact' ? 'box' : node.kind === 'url' ? 'note' : 'ellipse';
    const style = node.evidence === 'unverified' ? ', color=red' : '';
    lines.push(`  ${quote(node.id)} [shape=${shape}${style}];`);
  }
  for (const edge of graph.edges) lines.push(`  ${quote(edge.from)} -> ${quote(edge.to)}${edge.verified ? '' : ' [style=dashed, color=red]'};`);
  lines.push('}');
  return lines.join('\n');
}
