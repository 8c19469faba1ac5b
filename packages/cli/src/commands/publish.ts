import { mkdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { discoverReferrers, pinnedReference, type Reference, type ReferrerNode } from '@sealpack/oci-client';
import type { VerifyPolicy } from '@sealpack/signing/verify';
import type { Command, CommandContext } from '../command.ts';
import { createdTime, fileArguments, stringList } from '../command-input.ts';
import { parseAnnotations } from '../annotations.ts';
import { keyValue, pinnedArtifact } from '../artifact-input.ts';
import { inputOpener } from '../input-sensitivity.ts';
import { signalOption } from '../io.ts';
import { UsageError } from '../errors.ts';
import { readPolicyFile } from '../policy-file.ts';
import { parseRef, withLayoutPath } from '../global-options.ts';
import { VERSION } from '../version.ts';
import { type PublishJob, publishJobs, readPublishConfig } from '../publish-config.ts';
import { requireReachable } from '../service-probe.ts';
import { writeOutputFile } from '../write-output.ts';
import { loadSigning, loadVerifying, type Signing, signerFrom, signingKeyOptions, verifyPolicyFrom } from './signing-options.ts';

export const publishCommand: Command = {
  path: ['publish'],
  usage:
    'sealpack publish FILE... --to REF (--key FILE | keyless flags) [-a KEY=VALUE]... [--policy FILE [--env ENV]] [--derived-from REF]... [--param KEY=VALUE]... [--stac FILE]... [--dcat FILE]... [--out DIR] [--config sealpack.yaml]',
  operands: 'many',
  summary: 'push by digest → sign → attest PROV (+ run manifest) and SBOM → judge → tag → patch catalogs: a digest-pinned, signed, provenance-attached release (exit 1 on deny, and then no tag)',
  options: {
    config: {
      type: 'string',
      valueName: 'FILE',
      description: 'a sealpack.yaml with these settings (files, to, annotations, key, policy, env, stac, dcat, out, derivedFrom, parameters), or artifacts: each with its own files and to; flags win',
    },
    to: { type: 'string', valueName: 'REF', description: 'where to publish: a registry repository with a tag, or ocidir://DIR:TAG' },
    annotation: { type: 'string', short: 'a', multiple: true, valueName: 'KEY=VALUE', description: 'manifest annotation (license, dev.sealpack.sensitivity, version…), repeatable' },
    'artifact-type': { type: 'string', valueName: 'T', defaultText: 'application/vnd.sealpack.dataset.v1', description: 'artifact type of the manifest' },
    policy: { type: 'string', valueName: 'FILE', description: 'the policy that gates the release (its destinations are checked before any byte leaves)' },
    env: { type: 'string', valueName: 'ENV', description: 'the policy environment to evaluate' },
    stac: { type: 'string', multiple: true, valueName: 'FILE', description: 'a STAC record to patch once the gate allows; repeatable' },
    dcat: { type: 'string', multiple: true, valueName: 'FILE', description: 'a DCAT record to patch once the gate allows; repeatable' },
    'derived-from': { type: 'string', multiple: true, valueName: 'REF', description: 'an artifact the files were made from, named by digest in the PROV (used); repeatable' },
    param: {
      type: 'string',
      multiple: true,
      valueName: 'KEY=VALUE',
      description: 'a parameter of the run that made the files, in the PROV (declassification=… marks a declassifying activity); repeatable',
    },
    out: { type: 'string', valueName: 'DIR', defaultText: 'publish-evidence', description: 'where prov.jsonld, run_manifest.json, the SBOM and distribution.oci.json are written' },
    'certificate-identity': { type: 'string', valueName: 'ID', description: 'keyless: the identity the gate verifies the new signature under' },
    'certificate-oidc-issuer': { type: 'string', valueName: 'URL', description: 'keyless: the issuer the gate verifies the new signature under' },
    'trusted-root': { type: 'string', valueName: 'FILE', description: 'keyless: trusted_root.json for the gate' },
    ...signingKeyOptions('signature'),
  },
  async run(context) {
    const { io, out } = context;
    const config = typeof context.values.config === 'string' ? await readPublishConfig(io.cwd, context.values.config) : undefined;
    const jobs = publishJobs(context.values, context.positionals, config);
    // The key, the policy and the environment are the publish's, shared by every artifact it makes.
    const values = (jobs[0] as PublishJob).values;
    const gating = await gateSettings(context, values);
    const lifecycle = await import('@sealpack/lifecycle');
    // Every artifact's destination and inputs are checked before any of them is pushed, or a key opened.
    const plans: Plan[] = [];
    for (const job of jobs) plans.push(await plan(context, job, gating, lifecycle));
    const shared: Shared = { ...gating, lifecycle, ...(await signingSettings(context, values)) };
    const results: Published[] = [];
    for (const p of plans) {
      if (p.name !== undefined) out.detail(`\n${p.name}`);
      results.push(await publishArtifact(context, p, shared));
    }
    if (out.options.json) out.json(config?.artifacts === undefined ? results[0] : { artifacts: results });
    const denied = results.filter((r) => !r.published);
    if (denied.length > 0) {
      const { PolicyError } = await import('@sealpack/policy');
      throw new PolicyError(
        'POLICY_DENIED',
        `${denied.map((r) => `policy ${r.decision.policy} denies ${r.digest}: ${r.reasons.join('; ')}`).join('; ')}; not tagged, no catalog patched${denied.length < results.length ? ` for ${denied.length === 1 ? 'it' : 'them'}` : ''}`,
      );
    }
  },
};

type Lifecycle = typeof import('@sealpack/lifecycle');
type Decision = import('@sealpack/policy').Decision;

interface Shared {
  lifecycle: Lifecycle;
  policy?: import('@sealpack/policy').Policy;
  environment?: string;
  signing: Signing;
  signer: Awaited<ReturnType<typeof signerFrom>>['signer'];
  witnesses: Awaited<ReturnType<typeof signerFrom>>['witnesses'];
  verifyPolicy: VerifyPolicy;
}

interface Plan {
  name?: string;
  ref: Reference;
  files: ReturnType<typeof fileArguments>;
  artifactType: string;
  annotations: Record<string, string>;
  outDir: string;
  /** The catalog records to patch once the judge allows, read and checked before any push. */
  catalogs: import('@sealpack/lifecycle').CatalogRecord[];
  parameters: Record<string, string>;
  derivedFrom: Array<Awaited<ReturnType<typeof pinnedArtifact>>>;
}

interface Published {
  name?: string;
  /** Whether the judge allowed it and the tag now names it. */
  published: boolean;
  reference: string;
  digest: string;
  referrers: ReturnType<typeof describe>;
  evidence: string;
  catalogs: string[];
  stages: Record<string, number>;
  decision: Decision;
  reasons: string[];
  /** A denied release: its untagged manifest and the referrers this run attached, deleted or left for gc. */
  untagged?: { subject: string; referrers: string[]; deleted: boolean };
}

async function gateSettings(context: CommandContext, values: Record<string, unknown>): Promise<Pick<Shared, 'policy' | 'environment'>> {
  const policyFile = typeof values.policy === 'string' ? values.policy : undefined;
  const environment = typeof values.env === 'string' ? values.env : undefined;
  if (policyFile === undefined) return environment === undefined ? {} : { environment };
  const { gate, policy } = await readPolicyFile(resolve(context.io.cwd, policyFile), policyFile, `cannot read --policy ${policyFile}`);
  // A malformed policy or an unknown environment stops here, before anything is pushed.
  gate.compilePolicy(policy, environment);
  return { policy, ...(environment === undefined ? {} : { environment }) };
}

async function signingSettings(context: CommandContext, values: Record<string, unknown>): Promise<Pick<Shared, 'signing' | 'signer' | 'witnesses' | 'verifyPolicy'>> {
  const { io } = context;
  const signing = await loadSigning();
  const { signer, witnesses, publicKey, services } = await signerFrom(values, io, signing);
  // The transparency log (and Fulcio, a timestamp authority) must answer before anything is pushed.
  await requireReachable(services, signalOption(io));
  const verifyPolicy: VerifyPolicy =
    publicKey !== undefined ? { publicKey, ignoreTlog: values['tlog-upload'] === false } : await verifyPolicyFrom({ ...values, key: undefined }, io, await loadVerifying(), undefined);
  return { signing, signer, witnesses, verifyPolicy };
}

/** One artifact's settings, checked: nothing is written for any artifact until every plan is made. */
async function plan(context: CommandContext, job: PublishJob, shared: Pick<Shared, 'policy'>, lifecycle: Lifecycle): Promise<Plan> {
  const { io } = context;
  const { values, positionals } = job;
  const what = job.name === undefined ? '' : ` (artifact ${job.name})`;
  if (positionals.length === 0) throw new UsageError(`publish needs at least one FILE (on the command line, or files: in --config)${what}`);
  if (typeof values.to !== 'string') throw new UsageError(`--to REF is required: where to publish${what}`);
  const ref = withLayoutPath(parseRef(values.to, '--to'), io.cwd);
  if (ref.digest !== undefined) throw new UsageError(`--to takes a tag, not a digest: the digest is what publish computes${what}`);
  const annotations = parseAnnotations(stringList(values, 'annotation'));
  const list = (name: string) => stringList(values, name);
  const catalogs = [
    ...(await Promise.all(list('stac').map(async (name) => ({ name: basename(name), kind: 'stac' as const, text: await readRecord(resolve(io.cwd, name)) })))),
    ...(await Promise.all(list('dcat').map(async (name) => ({ name: basename(name), kind: 'dcat' as const, text: await readRecord(resolve(io.cwd, name)) })))),
  ];
  // Before any byte leaves: the license, the records, and may an artifact of this label go there at all?
  lifecycle.checkPublishInputs({ annotations, catalogs, reference: ref, ...(shared.policy === undefined ? {} : { policy: shared.policy }) });
  // What the files were made from and how, resolved before the push: a bad ref fails with nothing written.
  const parameters = Object.fromEntries(list('param').map((p) => keyValue(p, '--param')));
  const derivedFrom = await Promise.all(list('derived-from').map((text) => pinnedArtifact(text, context, '--derived-from')));
  return {
    ...(job.name === undefined ? {} : { name: job.name }),
    ref,
    files: fileArguments(positionals, io.cwd),
    artifactType: typeof values['artifact-type'] === 'string' ? values['artifact-type'] : 'application/vnd.sealpack.dataset.v1',
    annotations,
    outDir: resolve(io.cwd, typeof values.out === 'string' ? values.out : 'publish-evidence'),
    catalogs,
    parameters,
    derivedFrom,
  };
}

/** One artifact through the library's publish, its progress and evidence files shown and written here. */
async function publishArtifact(context: CommandContext, p: Plan, shared: Shared): Promise<Published> {
  const { io, out } = context;
  const target = await context.open(p.ref);
  const created = createdTime(io.env, true);
  // A bar on a TTY only (Output decides), and Ctrl-C stops the push with nothing half-written.
  const progress = out.progress('push');
  const result = await shared.lifecycle.publish({
    target,
    reference: p.ref,
    files: p.files,
    artifactType: p.artifactType,
    annotations: p.annotations,
    ...(created === null ? {} : { created }),
    signer: shared.signer,
    witnesses: shared.witnesses,
    verifyPolicy: shared.verifyPolicy,
    ...(shared.policy === undefined ? {} : { policy: shared.policy }),
    ...(shared.environment === undefined ? {} : { environment: shared.environment }),
    derivedFrom: p.derivedFrom,
    parameters: p.parameters,
    tool: { name: 'sealpack', version: VERSION },
    catalogs: p.catalogs,
    openInput: inputOpener(context),
    onEvent: (event) => {
      if (event.stage === 'push') progress.update(event.sent, event.total);
      else if (event.stage === 'pushed') {
        progress.done();
        out.detail(`pushed    ${pinnedReference(p.ref, event.subject.digest)} (untagged until the judge allows it)`);
      } else if (event.stage === 'signed') out.detail(`signed${event.already ? '    (already)' : ''}`);
      else if (event.stage === 'attested') out.detail(`attested  ${event.what}${event.already ? ' (already)' : ''}`);
      else if (event.stage === 'tagged') out.detail(`tagged    ${event.tag}`);
    },
    ...signalOption(io),
  });
  // The evidence files beside the release are always the attested predicates (this run's, or a re-run's verified ones).
  await mkdir(p.outDir, { recursive: true });
  await writeOutputFile(join(p.outDir, 'run_manifest.json'), result.evidence.runManifest);
  await writeOutputFile(join(p.outDir, 'prov.jsonld'), `${JSON.stringify(result.evidence.prov, null, 2)}\n`);
  await writeOutputFile(join(p.outDir, 'sbom.spdx.json'), `${JSON.stringify(result.evidence.sbom, null, 2)}\n`);
  const catalogs: string[] = [];
  for (const record of result.catalogs) {
    const dir = record.restricted === true ? join(p.outDir, 'restricted') : p.outDir;
    await mkdir(dir, { recursive: true });
    await writeOutputFile(join(dir, record.name), record.text);
    catalogs.push(join(dir, record.name));
  }
  if (result.catalogs.length > 0 && p.ref.kind === 'layout') out.warn(`${result.pinned} is in a local layout: its catalog records point at this machine`);

  const tree = await discoverReferrers(target, result.subject).catch(() => ({ referrers: [] }));
  const referrers = describe(tree.referrers, shared.signing.ANNOTATION_BUNDLE_PREDICATE_TYPE);
  const published: Published = {
    ...(p.name === undefined ? {} : { name: p.name }),
    published: result.allow,
    reference: result.pinned,
    digest: result.subject.digest,
    referrers,
    evidence: p.outDir,
    catalogs,
    stages: result.stages,
    decision: result.decision,
    reasons: result.reasons,
    ...(result.untagged === undefined ? {} : { untagged: result.untagged }),
  };
  if (!out.options.json) {
    out.detail(`evidence  ${p.outDir}`);
    for (const line of referrers)
      out.detail(`  ${line.depth > 0 ? '  '.repeat(line.depth) : ''}${line.artifactType}${line.predicateType === undefined ? '' : ` ${line.predicateType}`}  ${line.digest}`);
    for (const file of catalogs) out.detail(`catalog   ${file}`);
    const { decisionTable } = await import('@sealpack/policy');
    out.text(`${decisionTable(result.decision)}\n`);
    if (result.allow) out.result(`Published ${result.pinned}`, result.pinned);
    else if (result.untagged !== undefined) {
      const left = result.untagged.deleted ? 'deleted' : 'left untagged for gc';
      out.note(
        `not published: ${result.pinned} and the ${result.untagged.referrers.length} referrer(s) this run attached (${result.untagged.referrers.join(', ') || 'none'}) were ${left}; no tag names them`,
      );
    }
  }
  return published;
}

function describe(nodes: readonly ReferrerNode[], predicateAnnotation: string, depth = 0): Array<{ depth: number; digest: string; artifactType: string; predicateType?: string }> {
  return nodes.flatMap((node) => [
    {
      depth,
      digest: node.descriptor.digest,
      artifactType: node.descriptor.artifactType ?? 'unknown',
      ...(node.descriptor.annotations?.[predicateAnnotation] === undefined ? {} : { predicateType: node.descriptor.annotations[predicateAnnotation] }),
    },
    ...describe(node.referrers, predicateAnnotation, depth + 1),
  ]);
}

async function readRecord(file: string): Promise<string> {
  return readFile(file, 'utf8').catch(() => {
    throw new UsageError(`cannot read ${file}`);
  });
}
