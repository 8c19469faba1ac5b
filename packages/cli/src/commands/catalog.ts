import { mkdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ANNOTATION_TITLE, type Descriptor, parseManifest, type Reference, referenceSelector } from '@sealpack/oci-client';
import type { DistributionInput } from '@sealpack/catalog-stac-dcat';
import type { Command, CommandContext } from '../command.ts';
import { stringList } from '../command-input.ts';
import { UsageError } from '../errors.ts';
import { parseRef, withLayoutPath } from '../global-options.ts';
import { writeOutputFile } from '../write-output.ts';

const loadCatalog = () => import('@sealpack/catalog-stac-dcat');

// What a referrer is, by the predicate type its bundle annotation names (cosign v3 layout).
const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const PREDICATE_ANNOTATION = 'dev.sigstore.bundle.predicateType';
async function evidenceKinds(): Promise<Readonly<Record<string, 'signature' | 'provenance' | 'sbom'>>> {
  const { PREDICATE } = await import('@sealpack/provenance/statement');
  return { [PREDICATE.cosignSign]: 'signature', [PREDICATE.prov]: 'provenance', [PREDICATE.spdx]: 'sbom', [PREDICATE.cyclonedx]: 'sbom' };
}

export const catalogPatchCommand: Command = {
  path: ['catalog', 'patch'],
  usage: 'sealpack catalog patch REF --stac FILE... --dcat FILE... [--out DIR] [--distribution-json FILE] [--asset KEY=TITLE]... [--publish-as HOST/REPO] [--keep-original-href]',
  operands: 1,
  summary: 'point STAC and DCAT records at the artifact’s exact bytes (oci://…@sha256:), with its evidence',
  options: {
    stac: { type: 'string', multiple: true, valueName: 'FILE', description: 'a STAC 1.1 Item or Collection to patch; repeatable' },
    dcat: { type: 'string', multiple: true, valueName: 'FILE', description: 'a DCAT 3 dataset (JSON-LD) to patch; repeatable' },
    out: { type: 'string', valueName: 'DIR', defaultText: 'each record in place', description: 'write the patched records here (restricted copies under DIR/restricted)' },
    'distribution-json': { type: 'string', valueName: 'FILE', description: 'also write the distribution facts as one JSON file' },
    asset: { type: 'string', multiple: true, valueName: 'KEY=TITLE', description: 'match this asset to the file of this title (default: the href’s basename); repeatable' },
    'publish-as': { type: 'string', valueName: 'HOST/REPO', description: 'for an artifact in a local layout: where it will be served (a copy keeps its digests)' },
    'keep-original-href': { type: 'boolean', description: 'keep each replaced href as the asset’s alternate "original" (alternate-assets extension)' },
  },
  async run(context) {
    const { values, positionals, io, out } = context;
    const list = (name: string) => stringList(values, name);
    const stacFiles = list('stac').map((f) => resolve(io.cwd, f));
    const dcatFiles = list('dcat').map((f) => resolve(io.cwd, f));
    const distributionFile = typeof values['distribution-json'] === 'string' ? resolve(io.cwd, values['distribution-json']) : undefined;
    if (stacFiles.length + dcatFiles.length === 0 && distributionFile === undefined) throw new UsageError('catalog patch needs --stac FILE, --dcat FILE or --distribution-json FILE');
    const assets = Object.fromEntries(list('asset').map(assetOverride));
    const catalog = await loadCatalog();
    const ref = parseRef(positionals[0]);
    const located = withLayoutPath(ref, io.cwd);
    const distribution = catalog.parseDistribution(await publishedArtifact(context, located, typeof values['publish-as'] === 'string' ? values['publish-as'] : undefined));
    if (distribution.location === 'local')
      out.warn(`${catalog.artifactRef(distribution)} is in a local layout: the records point at this machine; use --publish-as HOST/REPO for where it will be served`);

    // Every record is patched in memory first: one refused record leaves every file as it was.
    const writes: Array<{ path: string; text: string }> = [];
    const reports: Array<{ record: string; matched?: string[]; unmatched?: string[]; restricted?: string }> = [];
    const outDir = typeof values.out === 'string' ? resolve(io.cwd, values.out) : undefined;
    const destination = (file: string, restricted: boolean) =>
      restricted ? join(outDir ?? resolve(file, '..'), 'restricted', basename(file)) : outDir === undefined ? file : join(outDir, basename(file));
    for (const file of stacFiles) {
      const result = catalog.patchStac(await readRecord(file), distribution, { record: basename(file), assets, keepOriginalHref: values['keep-original-href'] === true });
      writes.push({ path: destination(file, false), text: result.text });
      if (result.restricted !== undefined) writes.push({ path: destination(file, true), text: result.restricted });
      reports.push({ record: file, matched: result.matched, unmatched: result.unmatched, ...(result.restricted === undefined ? {} : { restricted: destination(file, true) }) });
    }
    for (const file of dcatFiles) {
      const result = catalog.patchDcat(await readRecord(file), distribution, { record: basename(file) });
      writes.push({ path: destination(file, false), text: result.text });
      if (result.restricted !== undefined) writes.push({ path: destination(file, true), text: result.restricted });
      reports.push({ record: file, ...(result.restricted === undefined ? {} : { restricted: destination(file, true) }) });
    }
    if (distributionFile !== undefined) writes.push({ path: distributionFile, text: catalog.distributionJson(distribution) });
    for (const write of writes) {
      await mkdir(resolve(write.path, '..'), { recursive: true });
      await writeOutputFile(write.path, write.text);
    }
    const pinned = catalog.artifactRef(distribution);
    if (out.options.json) {
      out.json({ reference: pinned, records: reports, ...(distributionFile === undefined ? {} : { distributionJson: distributionFile }) });
      return;
    }
    for (const report of reports) {
      const assetNote = report.matched === undefined ? '' : ` (assets: ${report.matched.join(', ') || 'none'} matched${report.unmatched?.length ? `; ${report.unmatched.join(', ')} untouched` : ''})`;
      out.detail(`patched ${report.record}${assetNote}${report.restricted === undefined ? '' : `; restricted copy ${report.restricted}`}`);
    }
    out.result(`Catalog points at ${pinned}`, pinned);
  },
};

export const catalogValidateCommand: Command = {
  path: ['catalog', 'validate'],
  usage: 'sealpack catalog validate FILE...',
  operands: 'many',
  summary: 'check STAC records against the STAC 1.1 schemas and their extensions, and DCAT records against DCAT-AP 3 rules, offline (exit 1 if any fails)',
  options: {},
  async run({ positionals, io, out }) {
    if (positionals.length === 0) throw new UsageError('catalog validate needs at least one FILE');
    const catalog = await loadCatalog();
    const validator = new catalog.StacValidator();
    const results: Array<{ file: string; kind: 'stac' | 'dcat'; valid: boolean; issues: Array<{ path: string; message: string; schema?: string }>; unchecked?: string[] }> = [];
    for (const name of positionals) {
      const file = resolve(io.cwd, name);
      let value: unknown;
      try {
        value = JSON.parse(await readRecord(file));
      } catch (error) {
        if (error instanceof UsageError) throw error;
        throw new UsageError(`${name} is not JSON`);
      }
      const isStac = typeof value === 'object' && value !== null && 'stac_version' in value;
      if (isStac) {
        const result = validator.validate(value);
        results.push({ file: name, kind: 'stac', valid: result.valid, issues: result.issues, unchecked: result.unchecked });
      } else {
        const issues = catalog.validateDcat(value);
        results.push({ file: name, kind: 'dcat', valid: issues.length === 0, issues });
      }
    }
    if (out.options.json) out.json({ valid: results.every((r) => r.valid), records: results });
    else {
      for (const r of results) {
        out.line(`${r.valid ? 'valid  ' : 'INVALID'}  ${r.file} (${r.kind === 'stac' ? 'STAC 1.1' : 'DCAT-AP 3'})`);
        for (const i of r.issues) out.line(`  ${i.path}: ${i.message}${i.schema === undefined ? '' : ` [${i.schema}]`}`);
        for (const u of r.unchecked ?? []) out.warn(`${r.file}: extension ${u} is not shipped with sealpack: not checked`);
      }
    }
    const invalid = results.filter((r) => !r.valid).length;
    if (invalid > 0) throw new catalog.CatalogError('SCHEMA_INVALID', `${invalid} of ${results.length} record(s) failed validation`);
  },
};

function assetOverride(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) throw new UsageError(`--asset '${text}': want KEY=TITLE`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

async function readRecord(file: string): Promise<string> {
  return readFile(file, 'utf8').catch(() => {
    throw new UsageError(`cannot read ${file}`);
  });
}

/** The artifact as a catalog describes it: its files (titled layers), labels and evidence, by digest. */
async function publishedArtifact(context: CommandContext, ref: Reference, publishAs: string | undefined): Promise<DistributionInput> {
  const target = await context.open(ref);
  const subject = await target.resolve(referenceSelector(ref) ?? 'latest');
  const parsed = parseManifest(await target.fetchManifest(subject), subject.mediaType);
  if (parsed.kind !== 'manifest') throw new UsageError(`${ref.kind === 'layout' ? ref.path : ref.repository} resolves to an index, not one artifact`);
  const manifest = parsed.manifest;
  const files = manifest.layers.flatMap((layer: Descriptor) => {
    const title = layer.annotations?.[ANNOTATION_TITLE];
    return title === undefined ? [] : [{ name: title, mediaType: layer.mediaType, size: layer.size, digest: layer.digest }];
  });
  const referrers: Record<string, string> = {};
  const evidence = await evidenceKinds();
  for (const referrer of await target.referrers(subject)) {
    const kind = referrer.artifactType === BUNDLE ? evidence[referrer.annotations?.[PREDICATE_ANNOTATION] ?? ''] : undefined;
    if (kind !== undefined && referrers[kind] === undefined) referrers[kind] = referrer.digest;
  }
  const annotations = manifest.annotations ?? {};
  const [host, ...repo] = (publishAs ?? '').split('/');
  if (publishAs !== undefined && (host === undefined || host === '' || repo.length === 0)) throw new UsageError(`--publish-as '${publishAs}': want HOST/REPO`);
  const place =
    publishAs !== undefined
      ? { location: 'registry' as const, registry: host as string, repository: repo.join('/') }
      : ref.kind === 'layout'
        ? { location: 'local' as const, registry: ref.path, repository: '' }
        : { location: 'registry' as const, registry: ref.registry, repository: ref.repository };
  return {
    ...place,
    ...(ref.tag === undefined ? {} : { tag: ref.tag }),
    digest: subject.digest,
    ...(manifest.artifactType === undefined ? {} : { artifactType: manifest.artifactType }),
    files,
    referrers,
    ...(annotations['org.opencontainers.image.licenses'] === undefined ? {} : { license: annotations['org.opencontainers.image.licenses'] }),
    ...(annotations['dev.sealpack.sensitivity'] === undefined ? {} : { sensitivity: annotations['dev.sealpack.sensitivity'] as DistributionInput['sensitivity'] }),
  };
}
