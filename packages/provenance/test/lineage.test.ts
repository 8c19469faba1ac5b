import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { type AttestedProv, buildProvDocument, lineageDot, lineageTree, type ProvReader, walkLineage } from '../src/index.ts';

const hex = (text: string) => createHash('sha256').update(text).digest('hex');
const artifact = (name: string, registry = 'registry.example') => `oci://${registry}/data/${name}@sha256:${hex(name)}`;

/** PROV saying `output` came from `inputs` (artifacts by ref, files by content). */
function provFor(output: string, inputs: Array<{ ref: string } | { file: string; sha256: string } | { url: string }>): unknown {
  return buildProvDocument({
    runId: `run-${hex(output).slice(0, 8)}`,
    startedAt: '2026-12-04T10:00:00Z',
    endedAt: '2026-12-04T10:01:00Z',
    inputs,
    outputs: [{ ref: output, mediaType: 'application/vnd.pmtiles', size: 1 }],
    toolchain: [{ name: 'sealpack', version: '0.1.0' }],
  });
}

/** An in-memory reader: PROV documents by artifact digest, each marked verified or not. */
function reader(entries: Array<[string, AttestedProv[]]>): ProvReader & { asked: string[] } {
  const byDigest = new Map(entries.map(([ref, docs]) => [ref.slice(-64), docs]));
  const asked: string[] = [];
  return {
    asked,
    async provenanceOf(ref) {
      asked.push(ref);
      return byDigest.get(ref.slice(-64)) ?? [];
    },
  };
}

const TILES = artifact('tiles');
const PARKS = artifact('parks');
const ROADS = artifact('roads');
const RAW = `urn:sha256:${hex('raw.csv')}`;

describe('lineage', () => {
  it('shows the inputs of a signed PROV that names its output as a file (provenance build --output FILE), not as the artifact', async () => {
    const asFile = buildProvDocument({
      runId: 'as-file',
      startedAt: '2026-12-04T10:00:00Z',
      endedAt: '2026-12-04T10:00:00Z',
      inputs: [{ ref: ROADS }],
      outputs: [{ file: 'tiles.pmtiles', sha256: hex('tiles.pmtiles'), size: 1 }],
      toolchain: [{ name: 'sealpack', version: '0.1.0' }],
    });
    const graph = await walkLineage(TILES, reader([[TILES, [{ document: asFile, verified: true }]]]));
    expect(graph.edges).toEqual([{ from: TILES, to: ROADS, verified: true }]);
  });

  it('walks from an artifact through verified PROV to its inputs and theirs', async () => {
    const graph = await walkLineage(
      TILES,
      reader([
        [TILES, [{ document: provFor(TILES, [{ ref: PARKS }, { ref: ROADS }]), verified: true, note: 'key abc' }]],
        [PARKS, [{ document: provFor(PARKS, [{ file: 'raw.csv', sha256: hex('raw.csv') }, { url: 'https://data.example/src.zip' }]), verified: true }]],
      ]),
    );
    expect(graph.edges).toEqual([
      { from: TILES, to: PARKS, verified: true },
      { from: TILES, to: ROADS, verified: true },
      { from: PARKS, to: 'https://data.example/src.zip', verified: true },
      { from: PARKS, to: RAW, verified: true },
    ]);
    expect(graph.nodes.map((n) => [n.kind, n.depth, n.evidence])).toEqual([
      ['artifact', 0, 'verified'],
      ['artifact', 1, 'verified'],
      ['artifact', 1, 'none'],
      ['url', 2, undefined],
      ['file', 2, undefined],
    ]);
    expect(lineageTree(graph)).toBe(
      [`${TILES}  [PROV verified: key abc]`, `├─ ${PARKS}  [PROV verified]`, '│  ├─ https://data.example/src.zip', `│  └─ ${RAW}`, `└─ ${ROADS}  [no PROV attestation]`].join('\n'),
    );
    expect(lineageDot(graph)).toContain(`"${TILES}" -> "${PARKS}";`);
  });

  it('does not follow unverified PROV unless allowed, and marks it either way', async () => {
    const entries: Array<[string, AttestedProv[]]> = [[TILES, [{ document: provFor(TILES, [{ ref: PARKS }]), verified: false, note: 'the signature does not verify' }]]];
    const strict = await walkLineage(TILES, reader(entries));
    expect(strict.edges).toEqual([]);
    expect(strict.nodes).toEqual([{ id: TILES, kind: 'artifact', depth: 0, evidence: 'unverified', note: 'the signature does not verify' }]);
    const allowed = await walkLineage(TILES, reader(entries), { allowUnverified: true });
    expect(allowed.edges).toEqual([{ from: TILES, to: PARKS, verified: false }]);
    expect(lineageTree(allowed)).toContain('PROV NOT VERIFIED: the signature does not verify');
    expect(lineageDot(allowed)).toContain('[style=dashed, color=red]');
  });

  it('ends on cycles, matches a copy in another registry by digest, and stops at the depth limit', async () => {
    const copyOfTiles = artifact('tiles', 'mirror.example');
    const docs = reader([
      [TILES, [{ document: provFor(TILES, [{ ref: PARKS }]), verified: true }]],
      // A (wrong but possible) claim that parks came from tiles, named by its mirror copy.
      [PARKS, [{ document: provFor(PARKS, [{ ref: copyOfTiles }]), verified: true }]],
    ]);
    const graph = await walkLineage(TILES, docs);
    expect(graph.nodes.map((n) => n.id)).toEqual([TILES, PARKS]);
    expect(graph.edges).toEqual([
      { from: TILES, to: PARKS, verified: true },
      { from: PARKS, to: TILES, verified: true },
    ]);
    expect(docs.asked).toEqual([TILES, PARKS]);
    expect(lineageTree(graph)).toContain('(shown above)');

    const shallow = await walkLineage(TILES, docs, { maxDepth: 1 });
    expect(shallow.nodes.find((n) => n.id === PARKS)).toMatchObject({ truncated: true });
    await expect(walkLineage(TILES, docs, { maxDepth: -1 })).rejects.toMatchObject({ code: 'INVALID_DOCUMENT' });
  });

  it('refuses a PROV document that is malformed, naming the fault', async () => {
    await expect(walkLineage(TILES, reader([[TILES, [{ document: { '@graph': [{ '@id': TILES, wasDerivedFrom: ['nowhere'] }] }, verified: true }]]]))).rejects.toMatchObject({
      code: 'DANGLING_REFERENCE',
    });
  });
});

describe('lineage through PROV other tools write', () => {
  it('follows prov:used and prov:wasGeneratedBy of an rdflib-style document to its oci:// inputs', async () => {
    const document = JSON.parse(await readFile(new URL('fixtures/rdflib-prov.jsonld', import.meta.url), 'utf8'));
    const made = `oci://registry.example/data/parks@sha256:${hex('out')}`;
    const graph = await walkLineage(made, reader([[made, [{ document, verified: true }]]]));
    expect(graph.edges).toEqual([{ from: made, to: `oci://registry.example/data/base@sha256:${hex('base')}`, verified: true }]);
  });
});
