import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ProvenanceError } from '../errors.ts';
import { UtcTimestamp } from '../fields.ts';
import { firstIssue } from '../zod-issues.ts';
import type { HashedFile } from './files.ts';
import { checkLicense } from './license.ts';

export interface SbomOptions {
  /** What the files make up: the artifact's name (`registry/repo`) or title. */
  name: string;
  /** SPDX license expression of the files; default NOASSERTION. */
  license?: string;
  /** The document's creation time (RFC 3339 UTC); pass SOURCE_DATE_EPOCH's for reproducible output. */
  created: string;
  /** `name@version` of the tool that made it. */
  tool: string;
  /** Where the files can be fetched, e.g. the artifact's `oci://…@sha256:` ref; default NOASSERTION. */
  downloadLocation?: string;
}

const SpdxId = z.string().regex(/^SPDXRef-[A-Za-z0-9.-]+$/);
const Checksum = z.strictObject({ algorithm: z.enum(['SHA1', 'SHA224', 'SHA256', 'SHA384', 'SHA512', 'MD5']), checksumValue: z.string().regex(/^[a-f0-9]+$/) });

// SPDX 2.3 (https://spdx.github.io/spdx-spec/v2.3/), the JSON fields this emitter writes, with
// the spec's cardinalities: document creation information (clause 6), one package (7), files (8),
// relationships (11).
const SpdxDocumentSchema = z.strictObject({
  spdxVersion: z.literal('SPDX-2.3'),
  dataLicense: z.literal('CC0-1.0'),
  SPDXID: z.literal('SPDXRef-DOCUMENT'),
  name: z.string().min(1),
  documentNamespace: z.url().refine((uri) => !uri.includes('#'), 'a document namespace has no "#" part (6.5)'),
  creationInfo: z.strictObject({ created: UtcTimestamp, creators: z.array(z.string().regex(/^(Tool|Organization|Person): .+/)).min(1) }),
  documentDescribes: z.array(SpdxId).min(1),
  packages: z
    .array(
      z.strictObject({
        SPDXID: SpdxId,
        name: z.string().min(1),
        downloadLocation: z.string().min(1),
        filesAnalyzed: z.literal(true),
        packageVerificationCode: z.strictObject({ packageVerificationCodeValue: z.string().regex(/^[a-f0-9]{40}$/) }),
        licenseConcluded: z.string().min(1),
        licenseDeclared: z.string().min(1),
        copyrightText: z.string().min(1),
        hasFiles: z.array(SpdxId),
      }),
    )
    .length(1),
  files: z.array(
    z.strictObject({
      SPDXID: SpdxId,
      fileName: z.string().startsWith('./'),
      // 8.4: a SHA1 checksum is required, others may follow.
      checksums: z.array(Checksum).refine((sums) => sums.some((s) => s.algorithm === 'SHA1'), 'every file needs a SHA1 checksum (8.4)'),
      licenseConcluded: z.string().min(1),
      copyrightText: z.string().min(1),
    }),
  ),
  relationships: z.array(z.strictObject({ spdxElementId: SpdxId, relationshipType: z.enum(['DESCRIBES', 'CONTAINS']), relatedSpdxElement: SpdxId })),
});

export type SpdxDocument = z.infer<typeof SpdxDocumentSchema>;

/**
 * An SPDX 2.3 JSON document for the files of an artifact: one package that contains them, each
 * file with SHA1 and SHA256 checksums and its concluded license. Files are sorted by name and
 * the namespace is derived from their digests, so the same files and options give the same text.
 */
export function spdxDocument(files: readonly HashedFile[], options: SbomOptions): SpdxDocument {
  const license = checkLicense(options.license ?? 'NOASSERTION');
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const fileIds = sorted.map((_, i) => `SPDXRef-File-${i + 1}`);
  // 7.9: SHA1 over the sorted, concatenated SHA1s of the package's files.
  const verificationCode = createHash('sha1')
    .update(
      sorted
        .map((f) => f.sha1)
        .sort()
        .join(''),
    )
    .digest('hex');
  const contentKey = createHash('sha256')
    .update(sorted.map((f) => `${f.name}\0${f.sha256}`).join('\n'))
    .digest('hex');
  const document = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: options.name,
    documentNamespace: `https://sealpack.dev/spdxdocs/${encodeURIComponent(options.name)}-${contentKey.slice(0, 32)}`,
    creationInfo: { created: options.created, creators: [`Tool: ${options.tool}`] },
    documentDescribes: ['SPDXRef-Package'],
    packages: [
      {
        SPDXID: 'SPDXRef-Package',
        name: options.name,
        downloadLocation: options.downloadLocation ?? 'NOASSERTION',
        filesAnalyzed: true,
        packageVerificationCode: { packageVerificationCodeValue: verificationCode },
        licenseConcluded: license,
        licenseDeclared: license,
        copyrightText: 'NOASSERTION',
        hasFiles: fileIds,
      },
    ],
    files: sorted.map((file, i) => ({
      SPDXID: fileIds[i],
      fileName: `./${file.name}`,
      checksums: [
        { algorithm: 'SHA1', checksumValue: file.sha1 },
        { algorithm: 'SHA256', checksumValue: file.sha256 },
      ],
      licenseConcluded: license,
      copyrightText: 'NOASSERTION',
    })),
    relationships: [
      { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: 'SPDXRef-Package' },
      ...fileIds.map((id) => ({ spdxElementId: 'SPDXRef-Package', relationshipType: 'CONTAINS', relatedSpdxElement: id })),
    ],
  };
  return validateSpdxDocument(document);
}

/** Checks an SPDX document against the shape above; the error names the field. */
export function validateSpdxDocument(value: unknown): SpdxDocument {
  const parsed = SpdxDocumentSchema.safeParse(value);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error);
    throw new ProvenanceError(issue.code, `not an SPDX 2.3 document as sealpack writes it, at ${issue.path}: ${issue.message}`, { path: issue.path });
  }
  return parsed.data;
}
