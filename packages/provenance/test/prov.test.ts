import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import jsonld from 'jsonld';
import { describe, expect, it } from 'vitest';
import { buildProvDocument, canonicalize, parseProvDocument, type ProvRun } from '../src/index.ts';

const hex = (text: string) => createHash('sha256').update(text).digest('hex');
const OUT = `oci://registry.example/data/parks@sha256:${hex('artifact')}`;
const BASE = `oci://registry.example/data/base@sha256:${hex('base')}`;
const run: ProvRun = {
  runId: 'run-42',
  startedAt: '2026-12-04T10:00:00Z',
  endedAt: '2026-12-04T10:05:00.250Z',
  command: 'tippecanoe -o parks.pmtiles parks.geojson',
  parameters: { zoom: '14' },
  inputs: [{ file: 'parks.geojson', sha256: hex('geojson'), size: 7 }, { ref: BASE }, { url: 'https://data.example/boundaries.zip' }],
  outputs: [{ ref: OUT, mediaType: 'application/vnd.pmtiles', size: 1234, title: 'parks.pmtiles' }],
  toolchain: [
    { name: 'tippecanoe', version: '2.62.0' },
    { name: 'sealpack', version: '0.1.0' },
  ],
  responsible: { kind: 'organization', name: 'City Data Team', id: 'https://data.example/team' },
};

// Only the contexts we ship exist: any attempt to fetch one fails the test.
const fetched: string[] = [];
const noRemoteContexts = async (url: string): Promise<never> => {
  fetched.push(url);
  throw new Error(`remote context ${url} requested`);
};

async function triples(document: object): Promise<string[]> {
  const nquads = (await jsonld.toRDF(document as jsonld.JsonLdDocument, { format: 'application/n-quads', documentLoader: noRemoteContexts, safe: true } as jsonld.Options.ToRdf)) as unknown as string;
  return nquads.split('\n').filter((line) => line !== '');
}

const PROV = 'http://www.w3.org/ns/prov#';

describe('PROV-O JSON-LD', () => {
  it('turns into RDF with a JSON-LD processor in safe mode (no term dropped), from the inline context alone', async () => {
    const document = buildProvDocument(run);
    const rdf = await triples(document);
    expect(fetched).toEqual([]);
    const has = (s: string, p: string, o: string) => expect(rdf).toContain(`${s} ${p} ${o} .`);
    const activity = '<urn:sealpack:run:run-42>';
    has(activity, '<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>', `<${PROV}Activity>`);
    has(activity, `<${PROV}used>`, `<urn:sha256:${hex('geojson')}>`);
    has(activity, `<${PROV}used>`, `<${BASE}>`);
    has(activity, `<${PROV}used>`, '<https://data.example/boundaries.zip>');
    has(activity, `<${PROV}startedAtTime>`, '"2026-12-04T10:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>');
    has(activity, `<${PROV}wasAssociatedWith>`, '<urn:sealpack:agent:tippecanoe@2.62.0>');
    has(activity, `<${PROV}wasAssociatedWith>`, '<https://data.example/team>');
    has(`<${OUT}>`, `<${PROV}wasGeneratedBy>`, activity);
    has(`<${OUT}>`, `<${PROV}wasDerivedFrom>`, `<${BASE}>`);
    has(`<${OUT}>`, `<${PROV}wasAttributedTo>`, '<https://data.example/team>');
    has(`<${OUT}>`, '<http://www.w3.org/ns/dcat#byteSize>', '"1234"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>');
    has('<urn:sealpack:agent:sealpack@0.1.0>', '<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>', `<${PROV}SoftwareAgent>`);
    has('<https://data.example/team>', '<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>', `<${PROV}Organization>`);
  });

  it('is the same document for the same run described in another order', () => {
    const reordered = { ...run, inputs: [...(run.inputs ?? [])].reverse(), toolchain: [...run.toolchain].reverse() };
    expect(canonicalize(buildProvDocument(reordered))).toBe(canonicalize(buildProvDocument(run)));
  });

  it('reads back: nodes by id, and an output’s sources (what it was derived from, what its activity used)', () => {
    const parsed = parseProvDocument(JSON.stringify(buildProvDocument(run)));
    expect(parsed.nodes.get(OUT)?.types).toEqual(['Entity']);
    expect(parsed.sourcesOf(OUT)).toEqual([BASE, 'https://data.example/boundaries.zip', `urn:sha256:${hex('geojson')}`].sort());
    expect(parsed.sourcesOf('urn:nothing')).toEqual([]);
  });

  it('reads documents others write: prefixed PROV terms, a single node, unknown terms kept', () => {
    const theirs = {
      '@context': { prov: PROV, ex: 'https://example.org/' },
      '@graph': [
        { '@id': 'ex:out', '@type': 'prov:Entity', 'prov:wasDerivedFrom': { '@id': 'ex:in' }, 'ex:colour': 'blue' },
        { '@id': 'ex:in', '@type': 'prov:Entity', 'prov:generatedAtTime': { '@value': '2026-01-01T00:00:00Z', '@type': 'xsd:dateTime' } },
      ],
    };
    const parsed = parseProvDocument(theirs);
    expect(parsed.sourcesOf('ex:out')).toEqual(['ex:in']);
    expect(parsed.nodes.get('ex:out')?.raw['ex:colour']).toBe('blue');
  });

  it.each([
    ['a node without an id', { '@graph': [{ '@type': 'Entity' }] }, 'INVALID_DOCUMENT', '$.@graph[0].@id'],
    ['a dangling reference', { '@graph': [{ '@id': 'a', wasDerivedFrom: ['b'] }] }, 'DANGLING_REFERENCE', '$.@graph[0].wasDerivedFrom'],
    ['a time without an offset', { '@graph': [{ '@id': 'a', startedAtTime: '2026-12-04T10:00:00' }] }, 'INVALID_TIMESTAMP', '$.@graph[0].startedAtTime'],
    ['an invalid time', { '@graph': [{ '@id': 'a', 'prov:endedAtTime': { '@value': 'yesterday' } }] }, 'INVALID_TIMESTAMP', '$.@graph[0].prov:endedAtTime'],
    ['a sha1 digest', { '@graph': [{ '@id': `urn:sha1:${'a'.repeat(40)}` }] }, 'INVALID_DIGEST', '$.@graph[0].@id'],
    ['a sha512 artifact', { '@graph': [{ '@id': `oci://r.example/x@sha512:${'a'.repeat(128)}` }] }, 'INVALID_DIGEST', '$.@graph[0].@id'],
    ['a bad checksum', { '@graph': [{ '@id': 'a', checksum: 'xyz' }] }, 'INVALID_DIGEST', '$.@graph[0].checksum'],
    ['a remote context', { '@context': 'https://www.w3.org/ns/prov.jsonld', '@id': 'a' }, 'REMOTE_CONTEXT', '$.@context'],
    ['a remote context in a list', { '@context': [{ prov: PROV }, 'https://evil.example/ctx'], '@id': 'a' }, 'REMOTE_CONTEXT', '$.@context'],
    ['an @import', { '@context': { '@import': 'https://evil.example/ctx' }, '@id': 'a' }, 'REMOTE_CONTEXT', '$.@context.@import'],
    ['a scoped remote context', { '@context': { t: { '@id': 'x:t', '@context': 'https://evil.example/ctx' } }, '@id': 'a' }, 'REMOTE_CONTEXT', '$.@context.t.@context'],
    ['two nodes with one id', { '@graph': [{ '@id': 'a' }, { '@id': 'a' }] }, 'INVALID_DOCUMENT', '$.@graph[1].@id'],
    ['a graph that is not a list', { '@graph': { '@id': 'a' } }, 'INVALID_DOCUMENT', '$.@graph'],
    ['a relation without an id', { '@graph': [{ '@id': 'a', used: [{ title: 'x' }] }] }, 'INVALID_DOCUMENT', '$.@graph[0].used[0]'],
  ])('refuses %s, naming where', (_what, document, code, path) => {
    expect(() => parseProvDocument(document)).toThrow(expect.objectContaining({ code, path }));
  });

  it('refuses a run it cannot describe faithfully', () => {
    expect(() => buildProvDocument({ ...run, outputs: [{ ref: 'oci://registry.example/data/parks:latest', mediaType: 'x', size: 1 }] })).toThrow(
      expect.objectContaining({ code: 'INVALID_DIGEST', path: '$.outputs[0].ref' }),
    );
    expect(() => buildProvDocument({ ...run, endedAt: '2026-12-04T09:00:00Z' })).toThrow(expect.objectContaining({ code: 'INVALID_TIMESTAMP' }));
    expect(() => buildProvDocument({ ...run, inputs: [{ file: 'x', sha256: 'not-hex' }] })).toThrow(expect.objectContaining({ code: 'INVALID_DIGEST' }));
  });
});

describe('PROV node shapes', () => {
  it('refuses a @type that is not a string, and an output file is named by its content', () => {
    expect(() => parseProvDocument({ '@graph': [{ '@id': 'a', '@type': [1] }] })).toThrow(expect.objectContaining({ code: 'INVALID_DOCUMENT', path: '$.@graph[0].@type' }));
    const withFile = buildProvDocument({ ...run, outputs: [{ file: 'parks.pmtiles', sha256: hex('tiles'), size: 9 }] });
    expect(parseProvDocument(withFile).sourcesOf(`urn:sha256:${hex('tiles')}`)).toContain(BASE);
  });
});

describe('PROV-O from other tools', () => {
  const XSD = 'http://www.w3.org/2001/XMLSchema#';
  const IN = `oci://registry.example/data/base@sha256:${hex('base')}`;
  const MADE = `oci://registry.example/data/parks@sha256:${hex('out')}`;

  it('reads an rdflib-style document: its own prov: context, @graph, {"@id"} relations, +00:00 times', async () => {
    const text = await readFile(new URL('fixtures/rdflib-prov.jsonld', import.meta.url), 'utf8');
    const parsed = parseProvDocument(text);
    expect(parsed.sourcesOf(MADE)).toEqual([IN]);
    expect(parsed.nodes.get('urn:example:run:1')?.relations.used).toEqual([IN]);
  });

  // An independent JSON-LD processor writes the graph: expanded JSON-LD, then compacted with a
  // context of prefixes only (as rdflib, pyld and jsonld.js users do).
  const expanded = [
    { '@id': IN, '@type': [`${PROV}Entity`] },
    { '@id': 'urn:example:input:2', '@type': [`${PROV}Entity`] },
    {
      '@id': MADE,
      '@type': [`${PROV}Entity`],
      [`${PROV}wasGeneratedBy`]: [{ '@id': 'urn:example:run:1' }],
      [`${PROV}wasDerivedFrom`]: [{ '@id': 'urn:example:input:2' }],
      [`${PROV}generatedAtTime`]: [{ '@type': `${XSD}dateTime`, '@value': '2026-01-01T00:05:00.123456789-05:30' }],
    },
    {
      '@id': 'urn:example:run:1',
      '@type': [`${PROV}Activity`],
      [`${PROV}used`]: [{ '@id': IN }],
      [`${PROV}startedAtTime`]: [{ '@type': `${XSD}dateTime`, '@value': '2026-01-01T00:00:00+00:00' }],
      [`${PROV}endedAtTime`]: [{ '@type': `${XSD}dateTime`, '@value': '2026-01-01T00:00:01z' }],
    },
  ];

  it.each([
    ['prov', { prov: PROV, xsd: XSD }],
    ['another prefix for PROV', { p: PROV, xsd: XSD }],
    [
      'terms of its own',
      { xsd: XSD, prov: PROV, input: { '@id': 'prov:used', '@type': '@id' }, from: { '@id': `${PROV}wasDerivedFrom`, '@type': '@id' }, by: { '@id': 'prov:wasGeneratedBy', '@type': '@id' } },
    ],
  ])('finds the inputs of a document jsonld.compact wrote with %s', async (_what, context) => {
    const compacted = await jsonld.compact(expanded as jsonld.JsonLdDocument, context as jsonld.ContextDefinition, { documentLoader: noRemoteContexts } as jsonld.Options.Compact);
    const parsed = parseProvDocument(JSON.stringify(compacted));
    expect(parsed.sourcesOf(MADE)).toEqual([IN, 'urn:example:input:2']);
    // And the same graph as N-Quads, so the test knows the processor read what it was given.
    const quads = await triples(compacted);
    expect(quads).toContain(`<urn:example:run:1> <${PROV}used> <${IN}> .`);
  });

  it.each([
    ['no offset', '2026-01-01T00:00:00'],
    ['an hour out of range', '2026-01-01T24:30:00Z'],
    ['an offset out of range', '2026-01-01T00:00:00+24:00'],
    ['a day that does not exist', '2026-02-30T00:00:00+01:00'],
    ['a date only', '2026-01-01'],
  ])('refuses a time with %s', (_what, time) => {
    expect(() => parseProvDocument({ '@context': { prov: PROV }, '@id': 'a', 'prov:startedAtTime': { '@value': time } })).toThrow(
      expect.objectContaining({ code: 'INVALID_TIMESTAMP', path: '$.prov:startedAtTime' }),
    );
  });
});
