import { z } from 'zod';
import { CatalogError } from './errors.ts';

const Digest = z.string().regex(/^sha256:[a-f0-9]{64}$/, 'not a sha256 digest');

const PublishedFile = z.strictObject({
  /** The file's title in the artifact (`org.opencontainers.image.title`). */
  name: z.string().min(1),
  mediaType: z.string().min(1),
  size: z.number().int().nonnegative(),
  digest: Digest,
});

export const SENSITIVITY = ['public', 'internal', 'restricted', 'confidential'] as const;
export type Sensitivity = (typeof SENSITIVITY)[number];

/**
 * A published artifact, as a catalog is told of it: where it lives (a registry repository, or a
 * local OCI layout not yet served anywhere), its manifest digest, its files, and the digests of
 * its evidence (referrers).
 */
const DistributionSchema = z.strictObject({
  /** `registry` for a served artifact; `local` for an OCI layout, whose path must not reach a public catalog. */
  location: z.enum(['registry', 'local']),
  /** Registry host (`registry.example:5000`), or the layout's path when local. */
  registry: z.string().min(1),
  repository: z.string(),
  tag: z.string().min(1).optional(),
  digest: Digest,
  artifactType: z.string().min(1).optional(),
  files: z.array(PublishedFile).min(1),
  referrers: z.strictObject({ signature: Digest.optional(), provenance: Digest.optional(), sbom: Digest.optional() }).default({}),
  license: z.string().min(1).optional(),
  sensitivity: z.enum(SENSITIVITY).default('public'),
});

export type Distribution = z.infer<typeof DistributionSchema>;
export type DistributionInput = z.input<typeof DistributionSchema>;
export type PublishedFile = z.infer<typeof PublishedFile>;

export function parseDistribution(value: unknown): Distribution {
  const parsed = DistributionSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = `$${(issue?.path ?? []).map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
    throw new CatalogError(/sha256/.test(issue?.message ?? '') ? 'INVALID_RECORD_DIGEST' : 'INVALID_DISTRIBUTION', `the distribution is invalid at ${path}: ${issue?.message ?? 'invalid'}`, { path });
  }
  return parsed.data;
}

/** The artifact's immutable reference: `oci://registry/repo@sha256:…`, or `ocidir://path@sha256:…` when local. */
export function artifactRef(d: Distribution, digest: string = d.digest): string {
  return d.location === 'local' ? `ocidir://${d.registry}@${digest}` : `oci://${d.registry}/${d.repository}@${digest}`;
}

/**
 * One file inside the artifact: the artifact's reference with the file's title as the fragment
 * (`oci://registry/repo@sha256:<manifest>#tiles%2Fparks.pmtiles`). The manifest digest pins the
 * bytes; the title picks the layer, as `sealpack pull` and oras name it.
 */
export function fileHref(d: Distribution, file: PublishedFile): string {
  return `${artifactRef(d)}#${encodeURIComponent(file.name)}`;
}

/** Restricted and confidential artifacts never get registry hrefs in a public catalog. */
export function isRestricted(sensitivity: Sensitivity): boolean {
  return sensitivity === 'restricted' || sensitivity === 'confidential';
}

/** The facts of `distribution.oci.json` / the STAC `distribution:oci` block, in a fixed order. */
export function distributionBlock(d: Distribution): Record<string, unknown> {
  return {
    ...(d.location === 'local' ? { local: true, note: 'an OCI layout on the machine that wrote this record, not a served location' } : {}),
    registry: d.registry,
    repository: d.repository,
    ...(d.tag === undefined ? {} : { tag: d.tag }),
    digest: d.digest,
    ...(d.artifactType === undefined ? {} : { artifactType: d.artifactType }),
    files: d.files.map((f) => ({ name: f.name, mediaType: f.mediaType, size: f.size, digest: f.digest })),
    referrers: Object.fromEntries(Object.entries(d.referrers).map(([rel, digest]) => [rel, artifactRef(d, digest as string)])),
  };
}

/** `distribution.oci.json`: the same facts for pipelines that keep no catalog. */
export function distributionJson(d: Distribution): string {
  return `${JSON.stringify({ oci: distributionBlock(d), ref: artifactRef(d) }, null, 2)}\n`;
}
