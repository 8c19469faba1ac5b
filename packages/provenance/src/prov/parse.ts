import { z } from 'zod';
import { ProvenanceError } from '../errors.ts';
import { DateTimeWithOffset, Sha256Hex } from '../fields.ts';
import { type JsonLimits, parseStrictJson } from '../strict-json.ts';
import { firstIssue } from '../zod-issues.ts';

/** One node of a PROV graph, as written (unknown terms kept), with the facts read from it. */
export interface ProvNode {
  id: string;
  types: string[];
  /** Every node this one names through a PROV relation, by relation (`used`, `wasDerivedFrom`, …). */
  relations: Readonly<Record<string, readonly string[]>>;
  raw: Readonly<Record<string, unknown>>;
}

export interface ParsedProv {
  nodes: ReadonlyMap<string, ProvNode>;
  /** The entities an entity came from: what it was derived from, and what the activity that generated it used. */
  sourcesOf(entityId: string): string[];
  /**
   * Every input the document may name, for a decision that must not miss one: each entity an
   * activity used or an entity was derived from, and every artifact reference (`oci://`,
   * `ocidir://`, scheme in any case, compact IRIs expanded by the document's own context) written
   * anywhere in it — in qualified relations (`prov:qualifiedUsage`), sub-properties
   * (`prov:wasRevisionOf`, `prov:hadPrimarySource`), `@reverse` or `@included`, which this reader
   * does not otherwise interpret. A superset on purpose: counting too much denies, missing one allows.
   */
  inputs(): string[];
  /**
   * The JSON-LD features the document uses that this reader does not interpret (`@base`,
   * `@vocab`, a term typed `@vocab`, a `@context` inside a node, `@nest`): where they are, an input
   * may be named in a way `inputs()` cannot see, so a decision counts the document as naming an
   * input it cannot read.
   */
  uninterpreted: string[];
}

// Our compact terms, and the same PROV-O relations as others write them (prefixed or full IRI).
const RELATIONS = ['used', 'wasGeneratedBy', 'wasAssociatedWith', 'wasDerivedFrom', 'wasAttributedTo', 'wasInformedBy', 'actedOnBehalfOf'] as const;
const TIMES = ['startedAtTime', 'endedAtTime', 'generatedAtTime', 'invalidatedAtTime'] as const;
const PROV_NS = 'http://www.w3.org/ns/prov#';
type ProvTerm = (typeof RELATIONS)[number] | (typeof TIMES)[number];

/**
 * The keys that name each PROV term in this document: our compact terms, `prov:` and the full IRI,
 * and what the document's own inline context adds (JSON-LD 1.1 4.1: a prefix for the PROV
 * namespace, as rdflib and jsonld.compact write, or a term defined as a PROV IRI).
 */
function provKeys(document: Record<string, unknown>): (term: ProvTerm) => string[] {
  const contexts = (Array.isArray(document['@context']) ? document['@context'] : [document['@context']]).filter(isObject);
  const iriOf = (definition: unknown) => (typeof definition === 'string' ? definition : isObject(definition) && typeof definition['@id'] === 'string' ? definition['@id'] : undefined);
  const prefixes = new Set(['prov']);
  for (const context of contexts) for (const [key, definition] of Object.entries(context)) if (iriOf(definition) === PROV_NS) prefixes.add(key);
  const defined = new Map<string, string[]>();
  for (const context of contexts) {
    for (const [key, definition] of Object.entries(context)) {
      const iri = iriOf(definition);
      const colon = iri?.indexOf(':') ?? -1;
      const expanded = iri !== undefined && prefixes.has(iri.slice(0, colon)) ? `${PROV_NS}${iri.slice(colon + 1)}` : iri;
      if (expanded?.startsWith(PROV_NS) === true) defined.set(expanded.slice(PROV_NS.length), [...(defined.get(expanded.slice(PROV_NS.length)) ?? []), key]);
    }
  }
  return (term) => [...new Set([term, ...[...prefixes].map((p) => `${p}:${term}`), `${PROV_NS}${term}`, ...(defined.get(term) ?? [])])];
}

/**
 * Reads a PROV-O JSON-LD document written by anyone, as far as the shape this package relies on:
 * strict JSON (no duplicate keys, bounded size and depth), contexts inline only, a graph of
 * nodes that each have an `@id`, PROV relations that point at nodes of the same graph, RFC 3339
 * date-times with an offset (`Z` or `+hh:mm`) and sha256 digests. Each fault is a typed error naming its place.
 */
export function parseProvDocument(input: string | unknown, limits?: JsonLimits): ParsedProv {
  const document = typeof input === 'string' ? parseStrictJson(input, limits) : input;
  if (!isObject(document)) throw new ProvenanceError('INVALID_DOCUMENT', 'a PROV document is a JSON object', { path: '$' });
  refuseRemoteContexts(document, '$');
  const graph = document['@graph'];
  const rawNodes: Array<[string, unknown]> = graph === undefined ? [['$', document]] : Array.isArray(graph) ? graph.map((n, i) => [`$.@graph[${i}]`, n]) : [];
  if (graph !== undefined && !Array.isArray(graph)) throw new ProvenanceError('INVALID_DOCUMENT', '@graph is not an array', { path: '$.@graph' });
  const aliases = provKeys(document);
  const nodes = new Map<string, ProvNode>();
  for (const [path, raw] of rawNodes) {
    const node = readNode(raw, path, aliases);
    if (nodes.has(node.id)) throw new ProvenanceError('INVALID_DOCUMENT', `two nodes have the @id ${node.id}`, { path: `${path}.@id` });
    nodes.set(node.id, node);
  }
  for (const [path, raw] of rawNodes) {
    const node = nodes.get((raw as Record<string, unknown>)['@id'] as string) as ProvNode;
    for (const [relation, targets] of Object.entries(node.relations)) {
      for (const target of targets) {
        if (!nodes.has(target)) throw new ProvenanceError('DANGLING_REFERENCE', `${relation} names ${target}, which is not a node of this document`, { path: `${path}.${relation}` });
      }
    }
  }
  return {
    nodes,
    sourcesOf(entityId) {
      const entity = nodes.get(entityId);
      if (entity === undefined) return [];
      const generators = entity.relations.wasGeneratedBy ?? [];
      const used = generators.flatMap((activity) => nodes.get(activity)?.relations.used ?? []);
      return [...new Set([...(entity.relations.wasDerivedFrom ?? []), ...used])].sort();
    },
    uninterpreted: uninterpretedFeatures(document),
    inputs() {
      const sources = [...nodes.values()].flatMap((node) => [...(node.relations.used ?? []), ...(node.relations.wasDerivedFrom ?? [])]);
      return [...new Set([...sources, ...artifactReferencesIn(document)])].sort();
    },
  };
}

// The shape of a node this reader relies on; every other member is kept as written.
const NodeShape = z.looseObject({
  '@id': z.string({ message: 'a node has no @id' }).min(1, 'a node has no @id'),
  '@type': z.union([z.string(), z.array(z.string())], { message: '@type is not a string or a list of strings' }).optional(),
});

function readNode(raw: unknown, path: string, aliases: (term: ProvTerm) => string[]): ProvNode {
  if (!isObject(raw)) throw new ProvenanceError('INVALID_DOCUMENT', 'a graph node is not an object', { path });
  const shape = NodeShape.safeParse(raw);
  if (!shape.success) {
    const issue = firstIssue(shape.error);
    throw new ProvenanceError('INVALID_DOCUMENT', issue.message, { path: `${path}${issue.path.slice(1)}` });
  }
  const id = shape.data['@id'];
  checkDigestInId(id, `${path}.@id`);
  const typeValue = shape.data['@type'];
  const types = typeValue === undefined ? [] : Array.isArray(typeValue) ? typeValue : [typeValue];
  const relations: Record<string, string[]> = {};
  for (const relation of RELATIONS) {
    for (const key of aliases(relation)) {
      if (raw[key] === undefined) continue;
      relations[relation] = [...(relations[relation] ?? []), ...references(raw[key], `${path}.${key}`)];
    }
  }
  for (const time of TIMES) {
    for (const key of aliases(time)) if (raw[key] !== undefined) checkTime(raw[key], `${path}.${key}`);
  }
  for (const key of ['checksum', 'sealpack:sha256']) {
    if (raw[key] !== undefined && !Sha256Hex.safeParse(raw[key]).success) throw new ProvenanceError('INVALID_DIGEST', `${key} is not a sha256 digest`, { path: `${path}.${key}` });
  }
  return { id, types, relations, raw };
}

/** A relation's value: an id, a `{"@id"}` object, or a list of them. */
function references(value: unknown, path: string): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item, i) => {
    const id = typeof item === 'string' ? item : isObject(item) ? item['@id'] : undefined;
    if (typeof id !== 'string' || id === '') return invalid(Array.isArray(value) ? `${path}[${i}]` : path, 'a relation names no @id');
    return id;
  });
}

function checkTime(value: unknown, path: string): void {
  const text = isObject(value) ? value['@value'] : value;
  if (!DateTimeWithOffset.safeParse(text).success) throw new ProvenanceError('INVALID_TIMESTAMP', `${JSON.stringify(text)} is not an RFC 3339 date-time with an offset (xsd:dateTime)`, { path });
}

/** An id that names content by digest must name it by sha256. */
function checkDigestInId(id: string, path: string): void {
  const urn = /^urn:([a-z0-9-]+):([0-9a-fA-F]+)$/.exec(id);
  const oci = /^oci(?:dir)?:\/\/[^@\s]+@([a-z0-9+._-]+):(.*)$/.exec(id);
  const [algorithm, hex] = urn !== null && /^(sha|md|blake)/.test(urn[1] ?? '') ? [urn[1], urn[2]] : oci !== null ? [oci[1], oci[2]] : [undefined, undefined];
  if (algorithm === undefined) return;
  if (algorithm !== 'sha256' || !/^[a-f0-9]{64}$/.test(hex ?? '')) throw new ProvenanceError('INVALID_DIGEST', `${id} is not named by a sha256 digest`, { path });
}

/** JSON-LD 1.1 3.1 and 4.1.10: a string context, or an `@import`, is fetched: never here. */
function refuseRemoteContexts(value: unknown, path: string): void {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) refuseRemoteContexts(item, `${path}[${i}]`);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, member] of Object.entries(value)) {
    if (key === '@context' || key === '@import') {
      const contexts = Array.isArray(member) ? member : [member];
      if (key === '@import' || contexts.some((c) => typeof c === 'string'))
        throw new ProvenanceError('REMOTE_CONTEXT', 'the document names a remote JSON-LD context; only inline contexts are read', { path: `${path}.${key}` });
    }
    refuseRemoteContexts(member, `${path}.${key}`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function invalid(path: string, message: string): never {
  throw new ProvenanceError('INVALID_DOCUMENT', message, { path });
}

const ARTIFACT_SCHEME = /^(oci|ocidir):\/\//i;

/**
 * Every artifact reference written anywhere in a document, walked without recursion: string values
 * and keys, compact IRIs expanded with the prefixes of its inline contexts (JSON-LD 1.1 4.1.5),
 * the scheme lower-cased (RFC 3986 3.1: schemes are case-insensitive).
 */
export function artifactReferencesIn(document: Record<string, unknown>): string[] {
  const prefixes = new Map<string, string>();
  for (const context of (Array.isArray(document['@context']) ? document['@context'] : [document['@context']]).filter(isObject)) {
    for (const [key, definition] of Object.entries(context)) {
      const iri = typeof definition === 'string' ? definition : isObject(definition) && typeof definition['@id'] === 'string' ? definition['@id'] : undefined;
      if (iri !== undefined) prefixes.set(key, iri);
    }
  }
  const expand = (text: string): string => {
    const colon = text.indexOf(':');
    const prefix = colon > 0 ? text.slice(0, colon) : undefined;
    const iri = prefix === undefined || text.startsWith('//', colon + 1) ? undefined : prefixes.get(prefix);
    return iri === undefined ? text : `${iri}${text.slice(colon + 1)}`;
  };
  const found = new Set<string>();
  // The contexts define prefixes, they name no input.
  const { '@context': _context, ...body } = document;
  const pending: unknown[] = [body];
  while (pending.length > 0) {
    const value = pending.pop();
    const texts = typeof value === 'string' ? [value] : Array.isArray(value) ? [] : isObject(value) ? Object.keys(value) : [];
    for (const text of texts) {
      const expanded = expand(text);
      const scheme = ARTIFACT_SCHEME.exec(expanded);
      if (scheme !== null) found.add(`${(scheme[1] as string).toLowerCase()}://${expanded.slice(scheme[0].length)}`);
    }
    if (Array.isArray(value)) pending.push(...value);
    else if (isObject(value)) pending.push(...Object.values(value));
  }
  return [...found];
}

/** The JSON-LD 1.1 features (sections 4.1.3, 4.1.2, 4.2.3, 4.1.8, 4.4) that change what an IRI in the document expands to. */
function uninterpretedFeatures(document: Record<string, unknown>): string[] {
  const found = new Set<string>();
  const pending: Array<{ value: unknown; top: boolean; inContext: boolean }> = [{ value: document, top: true, inContext: false }];
  while (pending.length > 0) {
    const { value, top, inContext } = pending.pop() as { value: unknown; top: boolean; inContext: boolean };
    if (Array.isArray(value)) {
      for (const item of value) pending.push({ value: item, top: false, inContext });
      continue;
    }
    if (!isObject(value)) continue;
    for (const [key, child] of Object.entries(value)) {
      if (key === '@base' || key === '@vocab' || key === '@nest') found.add(key);
      if (key === '@context' && !top) found.add('a @context inside a node');
      if (inContext && key === '@type' && child === '@vocab') found.add('a term typed @vocab');
      pending.push({ value: child, top: false, inContext: inContext || key === '@context' });
    }
  }
  return [...found].sort();
}
