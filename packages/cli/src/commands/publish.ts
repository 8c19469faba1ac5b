import { mkdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { type Descriptor, discoverReferrers, pinnedReference, pushFiles, type Reference, type ReferrerNode } from '@sealpack/oci-client';
import type { VerifyPolicy } from '@sealpack/signing/verify';
import type { Command, CommandContext } from '../command.ts';
import { createdTime, fileArguments, stringList } from '../command-input.ts';
import { parseAnnotations } from '../annotations.ts';
import { keyValue, pinnedArtifact } from '../artifact-input.ts';
import { inputSensitivityReader } from '../input-sensitivity.ts';
import { signalOption } from '../io.ts';
import { UsageError } from '../errors.ts';
import { readPolicyFile } from '../policy-file.ts';
import { parseRef, repositoryName, withLayoutPath } from '../global-options.ts';
import { VERSION } from '../version.ts';
import { type PublishJob, publishJobs, readPublishConfig } from '../publish-config.ts';
import { writeOutputFile } from '../write-output.ts';
import { publishedArtifact } from './catalog.ts';
import { loadSigning, loadVerifying, type Signing, signerFrom, signingKeyOptions, verifyPolicyFrom } from './signing-options.ts';

export const publishCommand: Command = {
  path: ['publish'],
  usage:
    'sealpack publish FILE... --to REF (--key FILE | keyless flags) [-a KEY=VALUE]... [--policy FILE [--env ENV]] [--derived-from REF]... [--param KEY=VALUE]... [--stac FILE]... [--dcat FILE]... [--out DIR] [--config sealpack.yaml]',
  operands: 'many',
  summary: 'push → sign → attest PROV (+ run manifest) and SBOM → policy gate → patch catalogs: a digest-pinned, signed, provenance-attached release (exit 1 on deny)',
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
    // Every artifact's destination and inputs are checked before any of them is pushed, or a key opened.
    const plans: Plan[] = [];
    for (const job of jobs) plans.push(await plan(context, job, gating));
    const shared: Shared = { ...gating, ...(await signingSettings(context, values)) };
    const results: Published[] = [];
    for (const p of plans) {
      if (p.name !== undefined) out.detail(`\n${p.name}`);
      results.push(await publishArtifact(context, p, shared));
    }
    if (out.options.json) out.json(config?.artifacts === undefined ? results[0] : { artifacts: results });
    const denied = results.filter((r) => r.decision !== undefined && !r.decision.allow);
    if (denied.length > 0) {
      throw new shared.gate.PolicyError(
        'DENIED',
        denied
          .map(
            (r) =>
              `policy ${r.decision?.policy} denies ${r.digest}: ${r.decision?.violations
                .filter((v) => v.severity === 'deny')
                .map((v) => v.id)
                .join(', ')}`,
          )
          .join('; ') + `; no catalog was patched${denied.length < results.length ? ` for ${denied.length === 1 ? 'it' : 'them'}` : ''}`,
      );
    }
  },
};

type Gate = typeof import('@sealpack/policy');
type Decision = ReturnType<ReturnType<Gate['compilePolicy']>['evaluate']>;

interface Shared {
  gate: Gate;
  policy?: import('@sealpack/policy').Policy;
  compiled?: ReturnType<Gate['compilePolicy']>;
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
  /** The catalog records to patch once the gate allows. */
  stac: string[];
  dcat: string[];
  parameters: Record<string, string>;
  derivedFrom: Array<Awaited<ReturnType<typeof pinnedArtifact>>>;
}

interface Published {
  name?: string;
  reference: string;
  digest: string;
  referrers: ReturnType<typeof describe>;
  evidence: string;
  catalogs: string[];
  stages: Record<string, number>;
  decision?: Decision;
}

async function gateSettings(context: CommandContext, values: Record<string, unknown>): Promise<Pick<Shared, 'gate' | 'policy' | 'compiled'>> {
  const gate = await import('@sealpack/policy');
  const policyFile = typeof values.policy === 'string' ? values.policy : undefined;
  const policy = policyFile === undefined ? undefined : (await readPolicyFile(resolve(context.io.cwd, policyFile), policyFile, `cannot read --policy ${policyFile}`)).policy;
  const compiled = policy === undefined ? undefined : gate.compilePolicy(policy, typeof values.env === 'string' ? values.env : undefined);
  return { gate, ...(policy === undefined ? {} : { policy }), ...(compiled === undefined ? {} : { compiled }) };
}

async function signingSettings(context: CommandContext, values: Record<string, unknown>): Promise<Pick<Shared, 'signing' | 'signer' | 'witnesses' | 'verifyPolicy'>> {
  const { io } = context;
  const signing = await loadSigning();
  const { signer, witnesses, publicKey } = await signerFrom(values, io, signing);
  const verifyPolicy: VerifyPolicy =
    publicKey !== undefined ? { publicKey, ignoreTlog: values['tlog-upload'] === false } : await verifyPolicyFrom({ ...values, key: undefined }, io, await loadVerifying(), undefined);
  return { signing, signer, witnesses, verifyPolicy };
}

/** One artifact's settings, checked: nothing is written for any artifact until every plan is made. */
async function plan(context: CommandContext, job: PublishJob, shared: Pick<Shared, 'gate' | 'policy'>): Promise<Plan> {
  const { io } = context;
  const { values, positionals } = job;
  const what = job.name === undefined ? '' : ` (artifact ${job.name})`;
  if (positionals.length === 0) throw new UsageError(`publish needs at least one FILE (on the command line, or files: in --config)${what}`);
  if (typeof values.to !== 'string') throw new UsageError(`--to REF is required: where to publish${what}`);
  const ref = withLayoutPath(parseRef(values.to, '--to'), io.cwd);
  if (ref.digest !== undefined) throw new UsageError(`--to takes a tag, not a digest: the digest is what publish computes${what}`);
  const annotations = parseAnnotations(stringList(values, 'annotation'));
  const list = (name: string) => stringList(values, name);
  // Before any byte leaves: may an artifact of this sensitivity go there at all?
  if (shared.policy !== undefined) shared.gate.checkDestination(shared.policy, annotations['dev.sealpack.sensitivity'], repositoryName(ref));
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
    stac: list('stac'),
    dcat: list('dcat'),
    parameters,
    derivedFrom,
  };
}

async function publishArtifact(context: CommandContext, p: Plan, shared: Shared): Promise<Published> {
  const { io, out } = context;
  const { ref, files, annotations, outDir, parameters, derivedFrom } = p;
  const { gate, compiled, signing, signer, witnesses, verifyPolicy } = shared;
  // Milliseconds per stage, in --json: where the time of a publish goes (the bench reports them).
  const stages: Record<string, number> = {};
  let mark = performance.now();
  const lap = (stage: string) => {
    const now = performance.now();
    stages[stage] = Math.round(now - mark);
    mark = now;
  };
  // 1. push (reproducible unless SOURCE_DATE_EPOCH sets a time: a re-run ends in the same digest)
  const target = await context.open(ref);
  const created = createdTime(io.env, true);
  // A bar on a TTY only (Output decides), and Ctrl-C stops the push with nothing half-written.
  const progress = out.progress('push');
  const pushed = await pushFiles(target, files, {
    tag: ref.tag ?? 'latest',
    artifactType: p.artifactType,
    annotations,
    created,
    onProgress: (sent, total) => progress.update(sent, total),
    ...signalOption(io),
  });
  progress.done();
  const subject = pushed.descriptor;
  const pinned = pinnedReference(ref, subject.digest);
  out.detail(`pushed    ${pinned}`);
  lap('push');
  const subjectName = repositoryName(ref);

  // 2. sign, 3. attest PROV and the SBOM — each skipped when one that verifies is already there (resumable)
  const PROV = signing.PREDICATE_TYPES.prov as string;
  const SBOM = signing.PREDICATE_TYPES.spdx as string;
  // What is already attached, judged in one reading of the referrers (signing adds nothing the attestations are judged on).
  const attached = await signing.verifyAttachedByType(target, subject, verifyPolicy, [signing.COSIGN_SIGN_PREDICATE_TYPE, PROV, SBOM]);
  if (!(attached.get(signing.COSIGN_SIGN_PREDICATE_TYPE) ?? []).some((v) => v.valid)) {
    await signing.signManifest(target, subject, { signer, witnesses, subjectName });
    out.detail('signed');
  } else out.detail('signed    (already)');
  await mkdir(outDir, { recursive: true });
  const provenance = await import('@sealpack/provenance');
  const hashed = await Promise.all(files.map((f) => provenance.hashFile(f.path, f.title)));
  // The run's time: SOURCE_DATE_EPOCH's, else now (a re-run skips the attestations that exist, so the time need not repeat).
  const when = (created ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const runFacts = { runId: `publish-${subject.digest.slice(7, 23)}`, startedAt: when, endedAt: when, parameters, toolchain: [{ name: 'sealpack', version: VERSION }] };
  const prov = provenance.buildProvDocument({
    ...runFacts,
    inputs: [...hashed.map((h) => ({ file: h.name, sha256: h.sha256, size: h.size })), ...derivedFrom.map((d) => ({ ref: d.ref }))],
    outputs: [{ ref: pinned, mediaType: subject.mediaType, size: subject.size }],
  });
  const manifest = provenance.buildRunManifest({
    ...runFacts,
    inputs: [...hashed.map((h) => ({ name: h.name, sha256: h.sha256, size: h.size })), ...derivedFrom.map((d) => ({ name: d.ref, sha256: d.sha256, size: d.size }))],
    outputs: [{ name: pinned, sha256: subject.digest.slice(7), size: subject.size }],
    environment: provenance.currentEnvironment(),
  });
  await writeOutputFile(join(outDir, 'run_manifest.json'), provenance.serializeRunManifest(manifest));
  const sbom = provenance.spdxDocument(hashed, {
    name: subjectName,
    created: when,
    tool: `sealpack@${VERSION}`,
    ...(annotations['org.opencontainers.image.licenses'] === undefined ? {} : { license: annotations['org.opencontainers.image.licenses'] }),
  });
  // The evidence files beside the release are always the attested predicates: this run's, or on
  // a re-run the ones already attached (their signature verified), never a newer unattested copy.
  for (const [predicateType, predicate, label, file] of [
    [PROV, prov, 'PROV', 'prov.jsonld'],
    [SBOM, sbom, 'SBOM', 'sbom.spdx.json'],
  ] as const) {
    // The subject's digest fixes the files (and so the SBOM) but not what the PROV says of the run:
    // one made from other inputs or parameters (a declassification added on a re-run) is attested anew.
    const existing = (attached.get(predicateType) ?? []).find((v) => v.valid && (predicateType !== PROV || sameActivity(v.predicate, prov)));
    if (existing === undefined) {
      await signing.attestManifest(target, subject, { signer, witnesses, subjectName, predicateType, predicate: new TextEncoder().encode(JSON.stringify(predicate)) });
    }
    await writeOutputFile(join(outDir, file), `${JSON.stringify(existing?.predicate ?? predicate, null, 2)}\n`);
    out.detail(`attested  ${label}${existing === undefined ? '' : ' (already)'}`);
  }
  lap('sign+attest');
  // 4. the gate: only on allow do the catalogs hear of it
  let decision: Decision | undefined;
  if (compiled !== undefined) {
    const evidence = await gate.collectEvidence(target, subject, { reference: pinned, pinned: true, verifyPolicy, inputSensitivity: inputSensitivityReader(context) });
    decision = compiled.evaluate(evidence);
  }
  lap('gate');
  const catalogs = decision === undefined || decision.allow ? await patchCatalogs(context, { stac: p.stac, dcat: p.dcat, outDir, subject, ref }) : [];
  lap('catalog');

  // 5. what was published
  const tree = await discoverReferrers(target, subject);
  const published: Published = {
    ...(p.name === undefined ? {} : { name: p.name }),
    reference: pinned,
    digest: subject.digest,
    referrers: describe(tree.referrers, signing.ANNOTATION_BUNDLE_PREDICATE_TYPE),
    evidence: outDir,
    catalogs,
    stages,
    ...(decision === undefined ? {} : { decision }),
  };
  if (!out.options.json) {
    out.detail(`evidence  ${outDir}`);
    for (const line of describe(tree.referrers, signing.ANNOTATION_BUNDLE_PREDICATE_TYPE))
      out.detail(`  ${line.depth > 0 ? '  '.repeat(line.depth) : ''}${line.artifactType}${line.predicateType === undefined ? '' : ` ${line.predicateType}`}  ${line.digest}`);
    for (const file of catalogs) out.detail(`catalog   ${file}`);
    if (decision !== undefined) out.raw(`${gate.decisionTable(decision)}\n`);
    out.result(`Published ${pinned}`, pinned);
  }
  return published;
}

/** Whether two PROV documents record a run with the same inputs and parameters (its times may differ). */
function sameActivity(a: unknown, b: unknown): boolean {
  const activity = (doc: unknown) => {
    const graph = (doc as { '@graph'?: unknown } | undefined)?.['@graph'];
    const node = Array.isArray(graph) ? (graph.find((n) => (n as { '@type'?: unknown })['@type'] === 'Activity') as { used?: unknown; parameter?: unknown } | undefined) : undefined;
    return JSON.stringify([node?.used, node?.parameter]);
  };
  return activity(a) === activity(b);
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

/** STAC and DCAT records patched for the published artifact, and distribution.oci.json. */
async function patchCatalogs(context: CommandContext, facts: { stac: readonly string[]; dcat: readonly string[]; outDir: string; subject: Descriptor; ref: Reference }): Promise<string[]> {
  const catalog = await import('@sealpack/catalog-stac-dcat');
  const { io, out } = context;
  // The ref pinned to what was just published: the catalog names this digest, never the tag.
  const distribution = catalog.parseDistribution(await publishedArtifact(context, { ...facts.ref, digest: facts.subject.digest }, undefined));
  const written: string[] = [];
  const write = async (file: string, text: string) => {
    await writeOutputFile(file, text);
    written.push(file);
  };
  for (const name of facts.stac) {
    const file = resolve(io.cwd, name);
    const result = catalog.patchStac(await readRecord(file), distribution, { record: basename(file) });
    await write(join(facts.outDir, basename(file)), result.text);
    if (result.restricted !== undefined) {
      await mkdir(join(facts.outDir, 'restricted'), { recursive: true });
      await write(join(facts.outDir, 'restricted', basename(file)), result.restricted);
    }
  }
  for (const name of facts.dcat) {
    const file = resolve(io.cwd, name);
    const result = catalog.patchDcat(await readRecord(file), distribution, { record: basename(file) });
    await write(join(facts.outDir, basename(file)), result.text);
  }
  await write(join(facts.outDir, 'distribution.oci.json'), catalog.distributionJson(distribution));
  if (distribution.location === 'local') out.warn(`${catalog.artifactRef(distribution)} is in a local layout: its catalog records point at this machine`);
  return written;
}

async function readRecord(file: string): Promise<string> {
  return readFile(file, 'utf8').catch(() => {
    throw new UsageError(`cannot read ${file}`);
  });
}
