import { artifactRef, type Distribution, fileHref, isRestricted } from './distribution.ts';
import { CatalogError } from './errors.ts';
import { isObject, nestsTooDeep, readJson, TOO_DEEP_MESSAGE, writeJson } from './json-text.ts';

/**
 * The prefixes the distributions we add are written with: our own inline context, merged into
 * the record's so that no remote context is needed to read what we wrote.
 */
export const DCAT_CONTEXT = {
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  spdx: 'http://spdx.org/rdf/terms#',
  prov: 'http://www.w3.org/ns/prov#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
} as const;

const IANA_MEDIA_TYPES = 'https://www.iana.org/assignments/media-types/';
// The EU access-rights vocabulary DCAT-AP uses for dct:accessRights.
const ACCESS_RIGHTS = {
  public: 'http://publications.europa.eu/resource/authority/access-right/PUBLIC',
  internal: 'http://publications.europa.eu/resource/authority/access-right/RESTRICTED',
  restricted: 'http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC',
  confidential: 'http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC',
} as const;

export interface DcatPatchResult {
  text: string;
  restricted?: string;
}

/**
 * Adds to a DCAT 3 dataset (JSON-LD) one `dcat:Distribution` per published file: the
 * digest-pinned `dcat:accessURL`, the IANA media type IRI, `dcat:byteSize`, an `spdx:checksum`
 * (sha256, hexBinary), the license and access rights, and the registry as its
 * `dcat:accessService`; and `prov:wasGeneratedBy` / `dct:provenance` on the dataset when the
 * artifact's provenance is attested. Earlier distributions of this artifact are replaced, so a
 * second patch gives the same bytes; everything else is kept as written.
 */
export function patchDcat(text: string, d: Distribution, options: { record: string }): DcatPatchResult {
  const { value, layout } = readJson(text, options.record);
  const document = dcatDocument(value, options.record);
  const full = structuredClone(document);
  applyDistributions(full, d);
  if (!isRestricted(d.sensitivity)) return { text: writeJson(full, layout) };
  const redacted = structuredClone(document);
  const dataset = datasetNode(redacted, options.record);
  dataset['dct:accessRights'] = { '@id': ACCESS_RIGHTS[d.sensitivity] };
  withContext(redacted);
  return { text: writeJson(redacted, layout), restricted: writeJson(full, layout) };
}

function dcatDocument(value: unknown, record: string): Record<string, unknown> {
  if (!isObject(value)) throw new CatalogError('NOT_DCAT', `${record} is not a JSON-LD object`, { record, path: '$' });
  datasetNode(value, record);
  return value;
}

const DATASET_TYPES = ['dcat:Dataset', 'Dataset', 'http://www.w3.org/ns/dcat#Dataset'];

/** The dataset node: the document itself, or the one node of `@graph` typed as a dataset. */
function datasetNode(document: Record<string, unknown>, record: string): Record<string, unknown> {
  const isDataset = (node: unknown) => isObject(node) && (Array.isArray(node['@type']) ? node['@type'] : [node['@type']]).some((t) => typeof t === 'string' && DATASET_TYPES.includes(t));
  if (isDataset(document)) return document;
  const graph = Array.isArray(document['@graph']) ? document['@graph'] : [];
  const datasets = graph.filter(isDataset);
  if (datasets.length !== 1) throw new CatalogError('NOT_DCAT', `${record} has ${datasets.length === 0 ? 'no' : 'more than one'} dcat:Dataset node`, { record, path: '$.@type' });
  return datasets[0] as Record<string, unknown>;
}

function applyDistributions(document: Record<string, unknown>, d: Distribution): void {
  const dataset = datasetNode(document, '');
  const ours = artifactRef(d);
  const existing = Array.isArray(dataset['dcat:distribution']) ? dataset['dcat:distribution'] : dataset['dcat:distribution'] === undefined ? [] : [dataset['dcat:distribution']];
  const kept = existing.filter((dist) => !(isObject(dist) && isObject(dist['dcat:accessURL']) && typeof dist['dcat:accessURL']['@id'] === 'string' && dist['dcat:accessURL']['@id'].startsWith(ours)));
  const service = { '@type': 'dcat:DataService', 'dct:title': `OCI registry ${d.registry}`, 'dcat:endpointURL': { '@id': d.location === 'local' ? ours : `https://${d.registry}/v2/` } };
  const added = d.files.map((file) => ({
    '@type': 'dcat:Distribution',
    'dct:title': file.name,
    'dcat:accessURL': { '@id': fileHref(d, file) },
    'dcat:mediaType': { '@id': `${IANA_MEDIA_TYPES}${file.mediaType}` },
    'dcat:byteSize': { '@value': String(file.size), '@type': 'xsd:nonNegativeInteger' },
    'spdx:checksum': {
      '@type': 'spdx:Checksum',
      'spdx:algorithm': { '@id': 'spdx:checksumAlgorithm_sha256' },
      'spdx:checksumValue': { '@value': file.digest.slice(7), '@type': 'xsd:hexBinary' },
    },
    ...(d.license === undefined ? {} : { 'dct:license': { '@id': licenseIri(d.license) } }),
    'dct:accessRights': { '@id': ACCESS_RIGHTS[d.sensitivity] },
    'dcat:accessService': service,
  }));
  dataset['dcat:distribution'] = [...kept, ...added];
  if (d.referrers.provenance !== undefined) {
    const provenance = artifactRef(d, d.referrers.provenance);
    dataset['prov:wasGeneratedBy'] = { '@id': provenance };
    dataset['dct:provenance'] = { '@type': 'dct:ProvenanceStatement', 'rdfs:label': `Signed W3C PROV attestation: ${provenance}` };
  }
  withContext(document);
}

/** An SPDX license id as its IRI (https://spdx.org/licenses/ID); an expression or IRI kept as given. */
function licenseIri(license: string): string {
  return /^[A-Za-z0-9.+-]+$/.test(license) ? `https://spdx.org/licenses/${license}` : license;
}

/** Our prefixes added to the record's context, never replacing a prefix it defines itself. */
function withContext(document: Record<string, unknown>): void {
  const context = document['@context'];
  if (isObject(context)) {
    for (const [prefix, iri] of Object.entries(DCAT_CONTEXT)) if (!(prefix in context)) context[prefix] = iri;
    return;
  }
  const list = Array.isArray(context) ? context : context === undefined ? [] : [context];
  const has = list.some((c) => isObject(c) && Object.entries(DCAT_CONTEXT).every(([k, v]) => c[k] === v));
  document['@context'] = has ? (list.length === 1 ? list[0] : list) : list.length === 0 ? { ...DCAT_CONTEXT } : [...list, { ...DCAT_CONTEXT }];
}

export interface DcatIssue {
  path: string;
  message: string;
}

/**
 * DCAT-AP 3's mandatory rules for what this package writes and reads, in code: the dataset has a
 * title and a description; every distribution an access URL (an IRI); a checksum, when present,
 * is sha256 with 64 hex digits; a media type is an IANA media-type IRI.
 */
export function validateDcat(value: unknown): DcatIssue[] {
  if (!isObject(value)) return [{ path: '$', message: 'not a JSON-LD object' }];
  if (nestsTooDeep(value)) return [{ path: '$', message: TOO_DEEP_MESSAGE }];
  let dataset: Record<string, unknown>;
  try {
    dataset = datasetNode(value, '');
  } catch (error) {
    return [{ path: '$', message: (error as Error).message.trim() }];
  }
  const issues: DcatIssue[] = [];
  for (const field of ['dct:title', 'dct:description']) if (dataset[field] === undefined) issues.push({ path: `$.${field}`, message: `a dataset needs ${field}` });
  const raw = dataset['dcat:distribution'];
  const distributions = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  for (const [i, dist] of distributions.entries()) {
    const at = `$.dcat:distribution[${i}]`;
    if (!isObject(dist)) {
      issues.push({ path: at, message: 'a distribution is not an object' });
      continue;
    }
    const access = iri(dist['dcat:accessURL']);
    if (access === undefined || !/^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/.test(access)) issues.push({ path: `${at}.dcat:accessURL`, message: 'a distribution needs dcat:accessURL, an IRI' });
    const media = dist['dcat:mediaType'];
    if (media !== undefined && !(iri(media) ?? '').startsWith(IANA_MEDIA_TYPES))
      issues.push({ path: `${at}.dcat:mediaType`, message: `dcat:mediaType must be an IANA media-type IRI (${IANA_MEDIA_TYPES}…)` });
    const checksum = dist['spdx:checksum'];
    if (checksum !== undefined) {
      const algorithm = isObject(checksum) ? iri(checksum['spdx:algorithm']) : undefined;
      const hex = isObject(checksum) ? literal(checksum['spdx:checksumValue']) : undefined;
      if (algorithm !== 'spdx:checksumAlgorithm_sha256' && algorithm !== 'http://spdx.org/rdf/terms#checksumAlgorithm_sha256')
        issues.push({ path: `${at}.spdx:checksum.spdx:algorithm`, message: 'the checksum algorithm must be sha256' });
      if (hex === undefined || !/^[a-f0-9]{64}$/.test(hex)) issues.push({ path: `${at}.spdx:checksum.spdx:checksumValue`, message: 'the checksum value must be 64 lowercase hex digits' });
    }
  }
  return issues;
}

const iri = (value: unknown): string | undefined => (typeof value === 'string' ? value : isObject(value) && typeof value['@id'] === 'string' ? value['@id'] : undefined);
const literal = (value: unknown): string | undefined => (typeof value === 'string' ? value : isObject(value) && typeof value['@value'] === 'string' ? value['@value'] : undefined);
