// A layered drawing of a small directed graph as inline SVG: one column per depth, boxes in the
// order given, an edge from the right side of one box to the left side of the other. The graphs
// the viewer draws (referrers of one artifact, lineage of one artifact) have tens of nodes at
// most, so nothing cleverer is needed, and nothing runs in the browser.

export type Tone = 'ok' | 'bad' | 'warn' | 'plain';

export interface GraphNode {
  id: string;
  column: number;
  label: string;
  detail?: string;
  tone: Tone;
}

export interface GraphEdge {
  from: string;
  to: string;
  dashed?: boolean;
}

const BOX = { width: 300, height: 46, columnGap: 70, rowGap: 14, pad: 10 };
const COLOURS: Record<Tone, { fill: string; stroke: string }> = {
  ok: { fill: '#e7f6ec', stroke: '#2f8f4e' },
  bad: { fill: '#fdecea', stroke: '#c0392b' },
  warn: { fill: '#fff6e0', stroke: '#b7791f' },
  plain: { fill: '#f3f4f6', stroke: '#6b7280' },
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Shortens from the middle, where digests and paths differ least. */
function fit(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.ceil((max - 1) / 2))}…${text.slice(text.length - Math.floor((max - 1) / 2))}`;
}

export function graphSvg(nodes: readonly GraphNode[], edges: readonly GraphEdge[], title: string): string {
  // Marker ids are page-wide: one per drawing.
  const marker = `arrow-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  const rows = new Map<number, number>();
  const at = new Map<string, { x: number; y: number }>();
  for (const node of nodes) {
    if (at.has(node.id)) continue;
    const row = rows.get(node.column) ?? 0;
    rows.set(node.column, row + 1);
    at.set(node.id, { x: BOX.pad + node.column * (BOX.width + BOX.columnGap), y: BOX.pad + row * (BOX.height + BOX.rowGap) });
  }
  const columns = Math.max(1, ...[...rows.keys()].map((c) => c + 1));
  const height = BOX.pad * 2 + Math.max(1, ...rows.values()) * (BOX.height + BOX.rowGap) - BOX.rowGap;
  const width = BOX.pad * 2 + columns * BOX.width + (columns - 1) * BOX.columnGap;
  const lines = edges.flatMap((edge) => {
    const a = at.get(edge.from);
    const b = at.get(edge.to);
    if (a === undefined || b === undefined) return [];
    const [x1, y1, x2, y2] = [a.x + BOX.width, a.y + BOX.height / 2, b.x, b.y + BOX.height / 2];
    const bend = (x2 - x1) / 2;
    return [
      `<path class="edge" d="M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}" fill="none" stroke="#9ca3af" stroke-width="1.5"${edge.dashed === true ? ' stroke-dasharray="5,4"' : ''} marker-end="url(#${marker})"/>`,
    ];
  });
  const boxes = nodes.flatMap((node) => {
    const p = at.get(node.id);
    if (p === undefined) return [];
    const colour = COLOURS[node.tone];
    return [
      `<g class="node" data-id="${escapeXml(node.id)}" data-tone="${node.tone}"><title>${escapeXml(node.id)}</title>` +
        `<rect x="${p.x}" y="${p.y}" width="${BOX.width}" height="${BOX.height}" rx="6" fill="${colour.fill}" stroke="${colour.stroke}" stroke-width="1.5"/>` +
        `<text x="${p.x + 10}" y="${p.y + 19}" font-size="13" font-family="system-ui, sans-serif" fill="#111827">${escapeXml(fit(node.label, 40))}</text>` +
        (node.detail === undefined ? '' : `<text x="${p.x + 10}" y="${p.y + 36}" font-size="11" font-family="ui-monospace, monospace" fill="#4b5563">${escapeXml(fit(node.detail, 41))}</text>`) +
        '</g>',
    ];
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeXml(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<defs><marker id="${marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#9ca3af"/></marker></defs>`,
    ...lines,
    ...boxes,
    '</svg>',
  ].join('\n');
}
