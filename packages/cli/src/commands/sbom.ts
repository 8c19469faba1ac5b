import { resolve } from 'node:path';
import { z } from 'zod';
import type { Command } from '../command.ts';
import { createdTime, fileArguments, parseOptions } from '../command-input.ts';
import { UsageError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { writeOutputFile } from '../write-output.ts';

const SbomValues = z.object({
  format: z.enum(['spdx', 'cyclonedx'], { message: 'spdx or cyclonedx' }),
  output: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
  license: z.string().min(1).optional(),
});

export const sbomCommand: Command = {
  path: ['sbom'],
  usage: 'sealpack sbom FILE... --format spdx|cyclonedx [-o FILE] [--name NAME] [--license EXPR]',
  operands: 'many',
  summary: 'an SBOM of files (SPDX 2.3 or CycloneDX 1.6 JSON): each with its SHA-256 and license',
  options: {
    format: { type: 'string', valueName: 'F', description: 'spdx (SPDX 2.3) or cyclonedx (CycloneDX 1.6)' },
    output: { type: 'string', short: 'o', valueName: 'FILE', defaultText: 'stdout', description: 'write the SBOM to FILE (written whole, or not at all)' },
    name: { type: 'string', valueName: 'NAME', defaultText: 'the working directory’s name', description: 'what the files make up: the artifact’s name' },
    license: { type: 'string', valueName: 'EXPR', defaultText: 'NOASSERTION', description: 'SPDX license expression of the files, e.g. CC-BY-4.0' },
  },
  async run({ values, positionals, io, out }) {
    const options = parseOptions(SbomValues, values);
    if (positionals.length === 0) throw new UsageError('sbom needs at least one FILE');
    const { cyclonedxBom, hashFile, spdxDocument } = await import('@sealpack/provenance');
    // Titled as push titles layers, so the SBOM names the files as the artifact does.
    const files = await Promise.all(fileArguments(positionals, io.cwd).map((file) => hashFile(file.path, file.title)));
    const sbomOptions = {
      name: options.name ?? (resolve(io.cwd).split('/').pop() || 'files'),
      created: (createdTime(io.env, false) ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      tool: `sealpack@${VERSION}`,
      ...(options.license === undefined ? {} : { license: options.license }),
    };
    const text = options.format === 'cyclonedx' ? cyclonedxBom(files, sbomOptions) : JSON.stringify(spdxDocument(files, sbomOptions), null, 2);
    if (options.output === undefined || options.output === '-') {
      out.raw(`${text}\n`);
      return;
    }
    const path = resolve(io.cwd, options.output);
    await writeOutputFile(path, `${text}\n`);
    if (out.options.json) out.json({ sbom: path, format: options.format, files: files.length });
    else out.result(`Wrote ${options.format === 'spdx' ? 'SPDX 2.3' : 'CycloneDX 1.6'} SBOM of ${files.length} file(s) to ${path}`, path);
  },
};
