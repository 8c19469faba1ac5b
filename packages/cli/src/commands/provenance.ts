import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { Command, CommandContext } from '../command.ts';
import { createdTime, fileArguments, stringList } from '../command-input.ts';
import { UsageError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { writeOutputFile } from '../write-output.ts';
import { keyValue, pinnedArtifact } from '../artifact-input.ts';

// A run file: the same facts as the flags, for runs described by a script (flags add to it).
const RunFile = z.strictObject({
  runId: z.string().min(1).optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  command: z.string().optional(),
  parameters: z.record(z.string(), z.string()).default({}),
  inputs: z.array(z.string().min(1)).default([]),
  outputs: z.array(z.string().min(1)).default([]),
  agents: z.array(z.string().min(1)).default([]),
});

type Provenance = typeof import('@sealpack/provenance');
type HashedItem = { name: string; sha256: string; size: number };
type ProvInput = { file: string; sha256: string; size: number } | { ref: string } | { url: string };
type ProvOutput = { ref: string; mediaType: string; size: number } | { file: string; sha256: string; size: number };

export const provenanceBuildCommand: Command = {
  path: ['provenance', 'build'],
  usage: 'sealpack provenance build --output REF|FILE... --input FILE|REF|URL... [--param KEY=VALUE]... [--agent NAME@VERSION]... [--run-id ID] [--started T --ended T] [--run-file F] [-o DIR]',
  operands: 0,
  summary: 'write the PROV-O document (prov.jsonld) and run manifest (run_manifest.json) of a run; prints the canonical digest',
  options: {
    output: { type: 'string', multiple: true, valueName: 'REF|FILE', description: 'what the run made: an artifact (pinned to its digest) or a file; repeatable' },
    input: { type: 'string', multiple: true, valueName: 'FILE|REF|URL', description: 'what the run used: a file, an artifact or a URL; repeatable' },
    param: { type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'a parameter of the run; repeatable' },
    agent: { type: 'string', multiple: true, valueName: 'NAME@VERSION', description: 'a tool of the toolchain (sealpack itself is always listed); repeatable' },
    'run-id': { type: 'string', valueName: 'ID', defaultText: 'derived from the run’s inputs, outputs and times', description: 'the run’s identifier' },
    started: { type: 'string', valueName: 'T', defaultText: 'SOURCE_DATE_EPOCH, else now', description: 'when the run started (RFC 3339 UTC)' },
    ended: { type: 'string', valueName: 'T', defaultText: '--started', description: 'when the run ended (RFC 3339 UTC)' },
    command: { type: 'string', valueName: 'TEXT', description: 'the command line the run ran' },
    'run-file': { type: 'string', valueName: 'F', description: 'a JSON file with runId, startedAt, endedAt, command, parameters, inputs, outputs, agents (flags add to it)' },
    'output-dir': { type: 'string', short: 'o', valueName: 'DIR', defaultText: '.', description: 'where prov.jsonld and run_manifest.json are written' },
  },
  async run(context) {
    const { values, io, out } = context;
    const provenance = await import('@sealpack/provenance');
    const file = typeof values['run-file'] === 'string' ? await readRunFile(resolve(io.cwd, values['run-file'])) : RunFile.parse({});
    const list = (name: string) => stringList(values, name);
    const outputs = [...file.outputs, ...list('output')];
    if (outputs.length === 0) throw new UsageError('provenance build needs at least one --output REF|FILE');
    const now = (createdTime(io.env, false) ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const startedAt = stringOption(values.started) ?? file.startedAt ?? now;
    const endedAt = stringOption(values.ended) ?? file.endedAt ?? startedAt;
    const parameters = { ...file.parameters, ...Object.fromEntries(list('param').map((p) => keyValue(p, '--param'))) };
    const toolchain = [...new Set([...file.agents, ...list('agent'), `sealpack@${VERSION}`])].map(agent);

    const resolvedInputs = await Promise.all([...file.inputs, ...list('input')].map((text) => describeInput(text, context, provenance)));
    const resolvedOutputs = await Promise.all(outputs.map((text) => describeOutput(text, context, provenance)));
    const runId =
      stringOption(values['run-id']) ??
      file.runId ??
      `run-${provenance.canonicalDigest({ inputs: resolvedInputs.map((i) => i.item ?? i.prov), outputs: resolvedOutputs.map((o) => o.item), parameters, startedAt, endedAt }).slice(7, 23)}`;
    const command = stringOption(values.command) ?? file.command;

    const prov = provenance.buildProvDocument({
      runId,
      startedAt,
      endedAt,
      ...(command === undefined ? {} : { command }),
      parameters,
      inputs: resolvedInputs.map((i) => i.prov),
      outputs: resolvedOutputs.map((o) => o.prov),
      toolchain,
    });
    const manifest = provenance.buildRunManifest({
      runId,
      startedAt,
      endedAt,
      inputs: resolvedInputs.map((i) => i.item).filter((i): i is HashedItem => i !== undefined),
      outputs: resolvedOutputs.map((o) => o.item),
      parameters,
      toolchain,
      environment: provenance.currentEnvironment(),
    });
    const dir = resolve(io.cwd, stringOption(values['output-dir']) ?? '.');
    await mkdir(dir, { recursive: true }).catch(() => {
      throw new UsageError(`cannot create the directory ${dir}`);
    });
    const provPath = join(dir, 'prov.jsonld');
    const manifestPath = join(dir, 'run_manifest.json');
    await writeOutputFile(provPath, `${JSON.stringify(prov, null, 2)}\n`);
    // The canonical form itself, so that sha256sum of the file is the digest printed.
    await writeOutputFile(manifestPath, provenance.serializeRunManifest(manifest));
    const digest = provenance.runManifestDigest(manifest);
    if (out.options.json) out.json({ runId, digest, prov: provPath, runManifest: manifestPath });
    else out.result(`Run ${runId}\nProvenance ${provPath}\nRun manifest ${manifestPath}\nCanonical digest ${digest}`, digest);
  },
};

async function readRunFile(path: string): Promise<z.infer<typeof RunFile>> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new UsageError(`cannot read --run-file ${path}`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`--run-file ${path} is not JSON`);
  }
  const parsed = RunFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`--run-file ${path}: ${issue?.path.join('.') || '(top)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

const stringOption = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function agent(text: string): { name: string; version: string } {
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) throw new UsageError(`--agent '${text}': want NAME@VERSION`);
  return { name: text.slice(0, at), version: text.slice(at + 1) };
}

/** An input: a file (hashed), a URL (named as it is), or an artifact pinned to its digest. */
async function describeInput(text: string, context: CommandContext, provenance: Provenance): Promise<{ prov: ProvInput; item?: HashedItem }> {
  const local = await fileAt(text, context.io.cwd);
  if (local !== undefined) {
    const hashed = await provenance.hashFile(local.path, local.title);
    return { prov: { file: hashed.name, sha256: hashed.sha256, size: hashed.size }, item: { name: hashed.name, sha256: hashed.sha256, size: hashed.size } };
  }
  if (/^https?:\/\//.test(text)) return { prov: { url: text } };
  const pinned = await pinnedArtifact(text, context, '--input');
  return { prov: { ref: pinned.ref }, item: { name: pinned.ref, sha256: pinned.sha256, size: pinned.size } };
}

/** An output: a file (hashed) or an artifact pinned to its digest, with its media type and size. */
async function describeOutput(text: string, context: CommandContext, provenance: Provenance): Promise<{ prov: ProvOutput; item: HashedItem }> {
  const local = await fileAt(text, context.io.cwd);
  if (local !== undefined) {
    const hashed = await provenance.hashFile(local.path, local.title);
    return { prov: { file: hashed.name, sha256: hashed.sha256, size: hashed.size }, item: { name: hashed.name, sha256: hashed.sha256, size: hashed.size } };
  }
  const pinned = await pinnedArtifact(text, context, '--output');
  return { prov: { ref: pinned.ref, mediaType: pinned.mediaType, size: pinned.size }, item: { name: pinned.ref, sha256: pinned.sha256, size: pinned.size } };
}

async function fileAt(text: string, cwd: string): Promise<{ path: string; title?: string } | undefined> {
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(text)) return undefined;
  const [file] = fileArguments([text], cwd);
  if (file === undefined) return undefined;
  const info = await stat(file.path).catch(() => undefined);
  return info?.isFile() === true ? { path: file.path, ...(file.title === undefined ? {} : { title: file.title }) } : undefined;
}
