import type { RuleResult } from '@sealpack/policy';
import type { ArtifactView, ReferrerView } from './artifact-view.ts';
import { escapeXml as esc, type GraphEdge, type GraphNode, graphSvg, type Tone } from './graph-svg.ts';

// The viewer's pages, rendered on the server: no script runs in the browser (the Content Security
// Policy the server sends allows none), and every value from an artifact is escaped.

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #111827; background: #fafafa; }
header { background: #111827; color: #f9fafb; padding: 12px 24px; }
header a { color: #f9fafb; text-decoration: none; font-weight: 600; }
main { padding: 16px 24px 48px; max-width: 1200px; }
h1 { font-size: 18px; word-break: break-all; margin: 8px 0; }
h2 { font-size: 15px; margin: 28px 0 8px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
code, pre, .mono { font-family: ui-monospace, monospace; font-size: 12px; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eee; vertical-align: top; word-break: break-all; }
th { background: #f3f4f6; font-weight: 600; white-space: nowrap; word-break: normal; }
.verdict { display: inline-block; padding: 6px 14px; border-radius: 6px; font-weight: 700; font-size: 16px; }
.allow { background: #e7f6ec; color: #1e6b3a; border: 1px solid #2f8f4e; }
.deny { background: #fdecea; color: #962d22; border: 1px solid #c0392b; }
.none { background: #f3f4f6; color: #374151; border: 1px solid #9ca3af; }
.ok { color: #1e6b3a; } .bad { color: #962d22; } .warn { color: #8a5a12; }
.graph { overflow-x: auto; background: #fff; border: 1px solid #e5e7eb; padding: 8px; }
pre { background: #fff; border: 1px solid #e5e7eb; padding: 8px; overflow: auto; max-height: 360px; }
ul.artifacts li { margin: 6px 0; }
`;

function layout(title: string, body: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · sealpack</title><style>${STYLE}</style></head>\n<body><header><a href="/">sealpack evidence viewer</a></header><main>\n${body}\n</main></body></html>\n`;
}

function verdictBadge(view: Pick<ArtifactView, 'decision'>): string {
  if (view.decision === undefined) return '<span class="verdict none" data-verdict="none">NO POLICY</span>';
  return view.decision.allow ? '<span class="verdict allow" data-verdict="allow">ALLOW</span>' : '<span class="verdict deny" data-verdict="deny">DENY</span>';
}

export function indexPage(items: ReadonlyArray<{ index: number; reference: string; view?: ArtifactView; error?: string }>): string {
  const rows = items.map((item) => {
    const badge = item.view === undefined ? `<span class="verdict deny">ERROR</span> <span class="bad">${esc(item.error ?? '')}</span>` : verdictBadge(item.view);
    return `<li>${badge} <a href="/artifact/${item.index}" class="mono">${esc(item.view?.reference ?? item.reference)}</a></li>`;
  });
  return layout('artifacts', `<h1>Artifacts</h1><ul class="artifacts">${rows.join('\n')}</ul>`);
}

export function artifactPage(view: ArtifactView): string {
  const sections = [
    `<h1 class="mono">${esc(view.reference)}</h1>`,
    `<p>${verdictBadge(view)} ${view.decision === undefined ? '' : `under policy <b>${esc(view.decision.policy)}</b>${view.decision.environment === undefined ? '' : ` (${esc(view.decision.environment)})`}`}</p>`,
    table(['artifact type', 'annotation', 'value'], [[view.artifactType ?? '', '', ''], ...Object.entries(view.annotations).map(([k, v]) => ['', k, v])]),
    policySection(view),
    `<h2>Referrers</h2><div class="graph" id="referrers">${referrersSvg(view)}</div>`,
    signaturesSection(view),
    `<h2>Lineage (signed PROV)</h2><div class="graph" id="lineage">${lineageSvg(view)}</div>`,
    catalogSection(view),
    `<h2>Files</h2>${table(
      ['name', 'media type', 'size', 'digest'],
      view.files.map((f) => [f.name, f.mediaType, String(f.size), f.digest]),
    )}`,
  ];
  return layout(view.reference, sections.join('\n'));
}

function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>, rowClass?: (i: number) => string): string {
  const body = rows.map((r, i) => `<tr${rowClass === undefined ? '' : ` class="${rowClass(i)}"`}>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>`;
}

function policySection(view: ArtifactView): string {
  if (view.decision === undefined) return '<h2>Policy</h2><p>No policy given (<code>sealpack serve --policy FILE</code>).</p>';
  const mark = (r: RuleResult) => (r.passed ? '✔' : r.severity === 'deny' ? '✘' : '!');
  const results = view.decision.results;
  return `<h2>Policy, rule by rule</h2><div id="rules">${table(
    ['', 'rule', 'type', 'severity', 'message'],
    results.map((r) => [mark(r), r.id, r.type, r.severity, r.message]),
    (i) => {
      const r = results[i] as RuleResult;
      return r.passed ? 'ok' : r.severity === 'deny' ? 'bad' : 'warn';
    },
  )}</div>`;
}

const who = (v: NonNullable<ReferrerView['verdict']>) => (v.keyId !== undefined ? `key ${v.keyId}` : v.identity !== undefined ? `${v.identity} (${v.issuer ?? '?'})` : '');

function flatten(nodes: readonly ReferrerView[]): ReferrerView[] {
  return nodes.flatMap((n) => [n, ...flatten(n.referrers)]);
}

function signaturesSection(view: ArtifactView): string {
  const bundles = flatten(view.referrers).filter((r) => r.verdict !== undefined);
  const rows = bundles.map((b) => {
    const v = b.verdict as NonNullable<ReferrerView['verdict']>;
    return [v.valid ? 'verified' : 'not verified', b.predicateType ?? b.artifactType, who(v), v.signedAt ?? '', v.reason ?? '', b.digest];
  });
  return `<h2>Signatures and attestations</h2><div id="signatures">${table(['status', 'predicate type', 'signed by', 'signed at', 'why not', 'bundle'], rows, (i) => (bundles[i]?.verdict?.valid === true ? 'ok' : 'bad'))}</div>`;
}

function toneOf(r: ReferrerView): Tone {
  if (r.verdict === undefined) return 'plain';
  return r.verdict.valid ? 'ok' : 'bad';
}

function shortType(r: ReferrerView): string {
  if (r.predicateType !== undefined) return r.predicateType.replace(/^https?:\/\//, '');
  return r.artifactType;
}

function referrersSvg(view: ArtifactView): string {
  const nodes: GraphNode[] = [{ id: view.digest, column: 0, label: 'subject', detail: view.digest, tone: view.decision === undefined ? 'plain' : view.decision.allow ? 'ok' : 'bad' }];
  const edges: GraphEdge[] = [];
  const walk = (parent: string, children: readonly ReferrerView[], column: number) => {
    for (const child of children) {
      nodes.push({ id: child.digest, column, label: shortType(child), detail: child.digest, tone: toneOf(child) });
      edges.push({ from: parent, to: child.digest });
      walk(child.digest, child.referrers, column + 1);
    }
  };
  walk(view.digest, view.referrers, 1);
  // The subject stands first and each referrer to the right of what it refers to.
  return graphSvg(nodes, edges, 'referrers graph');
}

function lineageSvg(view: ArtifactView): string {
  const nodes: GraphNode[] = view.lineage.nodes.map((n) => ({
    id: n.id,
    column: n.depth,
    label: n.kind === 'file' ? `file ${n.id.replace(/^urn:sha256:/, '').slice(0, 12)}…` : n.id.replace(/@sha256:[a-f0-9]{64}$/, ''),
    detail: n.kind === 'artifact' ? `${n.evidence ?? 'none'}${n.note === undefined ? '' : `: ${n.note}`}` : n.id,
    tone: n.kind !== 'artifact' ? 'plain' : n.evidence === 'verified' ? 'ok' : n.evidence === 'unverified' ? 'warn' : 'plain',
  }));
  return graphSvg(
    nodes,
    view.lineage.edges.map((e) => ({ from: e.from, to: e.to, dashed: !e.verified })),
    'lineage',
  );
}

function catalogSection(view: ArtifactView): string {
  if (view.catalogs.length === 0) return '<h2>Catalog records</h2><p>No catalog record given names this digest (<code>--catalog FILE</code>).</p>';
  return `<h2>Catalog records</h2><div id="catalogs">${view.catalogs.map((c) => `<h3 class="mono">${esc(c.kind)} · ${esc(c.file)}</h3><pre>${esc(pretty(c.text))}</pre>`).join('\n')}</div>`;
}

/** A record as indented JSON for reading; as it is when it is not JSON. */
function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
