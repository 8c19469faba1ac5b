import { artifactRef, type Distribution, distributionBlock, fileHref, isRestricted, type PublishedFile, type Sensitivity } from './distribution.ts';
import { CatalogError } from './errors.ts';
import { isObject, readJson, shown, writeJson } from './json-text.ts';
import { digestToMultihash, multihashToDigest } from './multihash.ts';

export const FILE_EXTENSION = 'https://stac-extensions.github.io/file/v2.1.0/schema.json';
export const ALTERNATE_EXTENSION = 'https://stac-extensions.github.io/alternate-assets/v1.2.0/schema.json';
/** Our STAC extension: the `distribution:` prefix, its schema shipped in this package. */
export const DISTRIBUTION_EXTENSION = 'https://sealpack.dev/stac/distribution/v1.0.0/schema.json';

const EVIDENCE_RELS = ['signature', 'provenance', 'sbom'] as const;

export interface StacPatchOptions {
  /** The record's name in messages (its file name). */
  record: string;
  /** Asset key → file title, where the href's basename does not name the file. */
  assets?: Readonly<Record<string, string>>;
  /** Keep each replaced href as the asset's `alternate.original` (alternate-assets extension). */
  keepOriginalHref?: boolean;
}

export interface StacPatchResult {
  /** The record for the public catalog. */
  text: string;
  /** For a restricted artifact: the full patch, for a restricted catalog only; the public text is redacted. */
  restricted?: string;
  matched: string[];
  unmatched: string[];
}

/**
 * Points a STAC 1.1 Item or Collection at the exact bytes of a published artifact: each asset
 * whose file was published gets the artifact's digest-pinned href, `type`, `file:size` and
 * `file:checksum`; the record gets the `distribution:oci` block, `distribution:provenance_ref` and
 * links to its evidence. Nothing else changes: unknown fields, key order and indentation are kept,
 * and patching the result again gives the same bytes. A published file whose bytes disagree with
 * the record's own checksum or size is refused, not overwritten.
 */
export function patchStac(text: string, distribution: Distribution, options: StacPatchOptions): StacPatchResult {
  const { value, layout } = readJson(text, options.record);
  const record = stacRecord(value, options.record);
  const full = structuredClone(record);
  const { matched, unmatched, alternates } = patchAssets(full, distribution, options);
  const fields = full.type === 'Feature' ? (full.properties as Record<string, unknown>) : full;
  fields['distribution:oci'] = distributionBlock(distribution);
  if (distribution.referrers.provenance !== undefined) fields['distribution:provenance_ref'] = artifactRef(distribution, distribution.referrers.provenance);
  setEvidenceLinks(full, distribution);
  addExtensions(full, [FILE_EXTENSION, DISTRIBUTION_EXTENSION, ...(alternates ? [ALTERNATE_EXTENSION] : [])]);
  // The stricter of the record's own label and the artifact's decides.
  const own = recordSensitivity(record);
  const sensitivity = own !== undefined && isRestricted(own) ? own : distribution.sensitivity;
  if (!isRestricted(sensitivity)) return { text: writeJson(full, layout), matched, unmatched };
  return { text: writeJson(redacted(record, sensitivity), layout), restricted: writeJson(full, layout), matched, unmatched };
}

function stacRecord(value: unknown, record: string): Record<string, unknown> {
  if (!isObject(value)) throw new CatalogError('NOT_STAC', `${record} is not a STAC record (not a JSON object)`, { record, path: '$' });
  if (typeof value.stac_version !== 'string') throw new CatalogError('NOT_STAC', `${record} is not a STAC record (no stac_version)`, { record, path: '$.stac_version' });
  if (value.type === 'Feature') {
    if (!isObject(value.properties)) throw new CatalogError('NOT_STAC', `${record}: a STAC Item needs properties`, { record, path: '$.properties' });
  } else if (value.type !== 'Collection') {
    throw new CatalogError('NOT_STAC', `${record} is a STAC ${shown(value.type)}, not an Item or a Collection`, { record, path: '$.type' });
  }
  if (value.assets !== undefined && !isObject(value.assets)) throw new CatalogError('NOT_STAC', `${record}: assets is not an object`, { record, path: '$.assets' });
  return value;
}

function patchAssets(record: Record<string, unknown>, d: Distribution, options: StacPatchOptions): { matched: string[]; unmatched: string[]; alternates: boolean } {
  const assets = (record.assets ?? {}) as Record<string, unknown>;
  const matched: string[] = [];
  const unmatched: string[] = [];
  let alternates = false;
  for (const [key, title] of Object.entries(options.assets ?? {})) {
    if (!(key in assets))
      throw new CatalogError('UNKNOWN_FILE', `${options.record}: --asset ${key}=${title} names an asset the record does not have`, { record: options.record, path: `$.assets.${key}` });
    if (!d.files.some((f) => f.name === title))
      throw new CatalogError('UNKNOWN_FILE', `${options.record}: --asset ${key}=${title} names a file the artifact does not have`, { record: options.record, path: `$.assets.${key}` });
  }
  for (const [key, asset] of Object.entries(assets)) {
    const path = `$.assets.${key}`;
    if (!isObject(asset) || typeof asset.href !== 'string') throw new CatalogError('NOT_STAC', `${options.record}: asset ${key} has no href`, { record: options.record, path: `${path}.href` });
    const file = options.assets?.[key] !== undefined ? d.files.find((f) => f.name === options.assets?.[key]) : fileNamed(d.files, basename(asset.href));
    if (file === undefined) {
      unmatched.push(key);
      continue;
    }
    checkAgrees(asset, file, options.record, path);
    const href = fileHref(d, file);
    if (options.keepOriginalHref === true && asset.href !== href && !asset.href.startsWith('oci')) {
      const alternate = isObject(asset.alternate) ? asset.alternate : {};
      if (alternate.original === undefined) asset.alternate = { ...alternate, original: { href: asset.href } };
      alternates = true;
    } else if (isObject(asset.alternate) && asset.alternate.original !== undefined) {
      alternates = true;
    }
    asset.href = href;
    asset.type = file.mediaType;
    asset['file:size'] = file.size;
    asset['file:checksum'] = digestToMultihash(file.digest);
    matched.push(key);
  }
  return { matched, unmatched, alternates };
}

/** The record's own checksum and size must describe the published bytes; one that disagrees is not overwritten. */
function checkAgrees(asset: Record<string, unknown>, file: PublishedFile, record: string, path: string): void {
  const checksum = asset['file:checksum'];
  if (checksum !== undefined) {
    if (typeof checksum !== 'string') throw new CatalogError('INVALID_RECORD_DIGEST', `${record}: file:checksum is not a multihash string`, { record, path: `${path}.file:checksum` });
    let existing: string;
    try {
      existing = multihashToDigest(checksum);
    } catch (error) {
      throw new CatalogError('INVALID_RECORD_DIGEST', `${record}: ${(error as Error).message}`, { record, path: `${path}.file:checksum`, cause: error });
    }
    if (existing !== file.digest) {
      throw new CatalogError('CHECKSUM_CONFLICT', `${record}: the record says ${file.name} is ${existing}, but the published file is ${file.digest}`, { record, path: `${path}.file:checksum` });
    }
  }
  const size = asset['file:size'];
  if (size !== undefined && size !== file.size) {
    throw new CatalogError('CHECKSUM_CONFLICT', `${record}: the record says ${file.name} is ${shown(size)} bytes, but the published file is ${file.size}`, { record, path: `${path}.file:size` });
  }
}

/** Links to the evidence, by digest; earlier links of ours (rel and an oci href) are replaced, others kept. */
function setEvidenceLinks(record: Record<string, unknown>, d: Distribution): void {
  const links = Array.isArray(record.links) ? record.links : [];
  const kept = links.filter((link) => !(isObject(link) && (EVIDENCE_RELS as readonly unknown[]).includes(link.rel) && typeof link.href === 'string' && link.href.startsWith('oci')));
  const ours = EVIDENCE_RELS.flatMap((rel) => (d.referrers[rel] === undefined ? [] : [{ rel, href: artifactRef(d, d.referrers[rel] as string), type: 'application/vnd.oci.image.manifest.v1+json' }]));
  record.links = [...kept, ...ours];
}

function addExtensions(record: Record<string, unknown>, urls: string[]): void {
  const current = Array.isArray(record.stac_extensions) ? (record.stac_extensions as unknown[]) : [];
  record.stac_extensions = [...current, ...urls.filter((url) => !current.includes(url))];
}

/** A record's own sensitivity label (`dev.sealpack.sensitivity`, as artifacts carry it), when it has one. */
function recordSensitivity(record: Record<string, unknown>): Sensitivity | undefined {
  const fields = record.type === 'Feature' ? (record.properties as Record<string, unknown>) : record;
  const label = fields['dev.sealpack.sensitivity'];
  return label === 'public' || label === 'internal' || label === 'restricted' || label === 'confidential' ? label : undefined;
}

/** The public face of a restricted record: untouched hrefs, and a distribution that says only that one exists. */
function redacted(record: Record<string, unknown>, sensitivity: Sensitivity): Record<string, unknown> {
  const copy = structuredClone(record);
  const fields = copy.type === 'Feature' ? (copy.properties as Record<string, unknown>) : copy;
  fields['distribution:oci'] = { redacted: true, sensitivity };
  addExtensions(copy, [DISTRIBUTION_EXTENSION]);
  return copy;
}

/**
 * The published file an href's basename names: the file of that title, else the one file whose
 * title ends in it (`data/x.pmtiles` pushed from the record's parent directory, as oras titles it).
 * Two files of that basename match neither: the record must say which with `assets`.
 */
function fileNamed<F extends { name: string }>(files: readonly F[], name: string): F | undefined {
  const exact = files.find((f) => f.name === name);
  if (exact !== undefined) return exact;
  const tail = files.filter((f) => f.name.endsWith(`/${name}`));
  return tail.length === 1 ? tail[0] : undefined;
}

/** The last path segment of an href, without query or fragment. */
function basename(href: string): string {
  const path = href.split(/[?#]/)[0] ?? '';
  const last = path.slice(path.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(last);
  } catch {
    return last; // a stray "%" is part of the name
  }
}
