import { createHash } from 'node:crypto';
import { Enums, Models, Serialize, Spec } from '@cyclonedx/cyclonedx-library';
import type { HashedFile } from './files.ts';
import { checkLicense } from './license.ts';
import type { SbomOptions } from './spdx.ts';

/**
 * A CycloneDX 1.6 JSON BOM for the files of an artifact, built with the CycloneDX library: one
 * `file` component per file with its SHA-256 and license, the tool in the metadata. The serial
 * number is derived from the files' digests and the time is the caller's, so the same files and
 * options give the same text.
 */
export function cyclonedxBom(files: readonly HashedFile[], options: SbomOptions): string {
  const license = checkLicense(options.license ?? 'NOASSERTION');
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const [toolName, toolVersion] = splitTool(options.tool);
  const bom = new Models.Bom({ serialNumber: `urn:uuid:${uuidFrom(sorted)}` });
  bom.metadata.timestamp = new Date(options.created);
  bom.metadata.tools.components.add(new Models.Component(Enums.ComponentType.Application, toolName, { version: toolVersion }));
  bom.metadata.component = new Models.Component(Enums.ComponentType.Data, options.name, { bomRef: 'artifact' });
  for (const file of sorted) {
    const component = new Models.Component(Enums.ComponentType.File, file.name, { bomRef: `file:${file.name}` });
    component.hashes.set(Enums.HashAlgorithm['SHA-256'], file.sha256);
    component.hashes.set(Enums.HashAlgorithm['SHA-1'], file.sha1);
    // NOASSERTION/NONE are SPDX's words for "no license stated"; CycloneDX just leaves licenses out.
    if (license !== 'NOASSERTION' && license !== 'NONE') component.licenses.add(new Models.LicenseExpression(license));
    bom.components.add(component);
  }
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  return serializer.serialize(bom, { sortLists: true, space: 2 });
}

function splitTool(tool: string): [string, string | undefined] {
  const at = tool.lastIndexOf('@');
  return at > 0 ? [tool.slice(0, at), tool.slice(at + 1)] : [tool, undefined];
}

/** A name-based UUID (RFC 9562 5.8, v8) from the files' names and digests. */
function uuidFrom(files: readonly HashedFile[]): string {
  const hash = createHash('sha256')
    .update(files.map((f) => `${f.name}\0${f.sha256}`).join('\n'))
    .digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x80;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
