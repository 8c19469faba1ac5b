import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseReference, pinnedReference, referenceSelector, sameRepository } from '@sealpack/oci-client';
import type { Command, CommandContext, OptionSpecs } from '../command.ts';
import { sideOptions } from '../connection-options.ts';
import { UsageError } from '../errors.ts';
import { inputOpener } from '../input-sensitivity.ts';
import { readPolicyFile } from '../policy-file.ts';
import { parseRef, repositoryName, withLayoutPath } from '../global-options.ts';
import { KEY_PASSWORD_OPTION, loadSigning, loadVerifying, signerFrom, verifyingKeyOptions, verifyPolicyFrom } from './signing-options.ts';

const loadLifecycle = () => import('@sealpack/lifecycle');

const CONFIG_OPTION = {
  config: { type: 'string', valueName: 'FILE', description: 'the environments file (e.g. packages/lifecycle/examples/environments.yaml)' },
} as const satisfies OptionSpecs;

/** The key that signs a promotion record: `--signing-key`, or keyless as `sign` takes it. */
const RECORD_SIGNING_OPTIONS = {
  'signing-key': { type: 'string', valueName: 'FILE', description: 'the key that signs the promotion record (cosign.key or PEM); else keyless with --identity-token' },
  'identity-token': { type: 'string', valueName: 'TOKEN', description: 'sign the record keyless with this OIDC token (else SIGSTORE_ID_TOKEN, else the CI job’s)' },
  'fulcio-url': { type: 'string', valueName: 'URL', description: 'Fulcio for a keyless record' },
  'rekor-url': { type: 'string', valueName: 'URL', description: 'transparency log to record the promotion record in' },
  'tlog-upload': { type: 'boolean', defaultText: 'true (as cosign)', description: 'record the promotion record in the transparency log; =false signs with no network' },
  ...KEY_PASSWORD_OPTION,
} as const satisfies OptionSpecs;

async function loadConfig(io: CommandContext['io'], file: unknown) {
  if (typeof file !== 'string') throw new UsageError('--config FILE is required (the environments file)');
  const path = resolve(io.cwd, file);
  const text = await readFile(path, 'utf8').catch(() => {
    throw new UsageError(`cannot read --config ${file}`);
  });
  const lifecycle = await loadLifecycle();
  const config = lifecycle.parseLifecycleConfig(text, file);
  return { config, dir: dirname(path), lifecycle };
}

export const promoteCommand: Command = {
  path: ['promote'],
  usage: 'sealpack promote REF --to ENV --config FILE (--key PUB | identity flags) (--signing-key KEY | keyless flags) [--version V]',
  operands: 1,
  summary: 'verify, then promote: gate the artifact with the environment’s policy, then tag it there with a signed promotion record (nothing written on deny)',
  options: {
    to: { type: 'string', valueName: 'ENV', description: 'the environment to promote into' },
    ...CONFIG_OPTION,
    version: { type: 'string', valueName: 'V', defaultText: 'org.opencontainers.image.version', description: 'the version the environment’s {version} tag uses' },
    ...verifyingKeyOptions('signature'),
    ...RECORD_SIGNING_OPTIONS,
    ...sideOptions('from'),
    ...sideOptions('to'),
  },
  async run(context) {
    const { values, positionals, io, out } = context;
    if (typeof values.to !== 'string') throw new UsageError('--to ENV is required');
    const { config, dir, lifecycle } = await loadConfig(io, values.config);
    const env = lifecycle.environment(config, values.to);
    const { gate, policy } = await readPolicyFile(resolve(dir, config.policy), config.policy, `cannot read the policy ${config.policy} the config names`);
    const verifyPolicy = await verifyPolicyFrom(values, io, await loadVerifying(), undefined);
    const signing = await loadSigning();
    const { signer, witnesses } = await signerFrom({ ...values, key: values['signing-key'] }, io, signing);
    const ref = withLayoutPath(parseRef(positionals[0]), io.cwd);
    const destinationRef = env.repository === undefined ? ref : withLayoutPath(parseReference(env.repository), io.cwd);
    const same = sameRepository(ref, destinationRef);
    const source = await context.open(ref, { side: 'from', peer: destinationRef });
    const destination = same ? source : await context.open(destinationRef, { side: 'to', peer: ref });
    const subject = await source.resolve(referenceSelector(ref) ?? 'latest');
    const result = await showingDecision(out, gate, () =>
      lifecycle.promote({
        config,
        policy,
        environment: values.to as string,
        source,
        subject,
        reference: positionals[0] as string,
        pinned: ref.digest !== undefined,
        destination,
        destinationName: repositoryName(destinationRef),
        sameRepository: same,
        verifyPolicy,
        openInput: inputOpener(context),
        signer,
        witnesses,
        ...(typeof values.version === 'string' ? { version: values.version } : {}),
      }),
    );
    const pinned = pinnedReference(destinationRef, subject.digest);
    if (out.options.json) out.json({ reference: pinned, environment: values.to, tag: result.tag, record: result.record.digest, copied: result.copied, decision: result.decision });
    else
      out.result(`Promoted ${pinned} to ${values.to} as ${result.tag}${result.copied ? ' (copied with its referrers)' : ''}\nRecord ${pinnedReference(destinationRef, result.record.digest)}`, pinned);
  },
};

/** A deny prints every reason, as a policy check does (the decision travels on the error), then fails with exit 1. */
async function showingDecision<T>(out: CommandContext['out'], gate: typeof import('@sealpack/policy'), act: () => Promise<T>): Promise<T> {
  try {
    return await act();
  } catch (error) {
    const decision = (error as { decision?: Parameters<typeof gate.decisionTable>[0] }).decision;
    if (decision !== undefined) {
      if (out.options.json) out.json(decision);
      else out.text(`${gate.decisionTable(decision)}\n`);
    }
    throw error;
  }
}

export const historyCommand: Command = {
  path: ['history'],
  usage: 'sealpack history REPO [--env ENV] (--key PUB | identity flags)',
  operands: 1,
  summary: 'the promotions recorded in a repository, newest first: only records that verify',
  options: {
    env: { type: 'string', valueName: 'ENV', description: 'only the promotions into this environment' },
    ...verifyingKeyOptions('promotion record'),
  },
  async run(context) {
    const { values, positionals, io, out } = context;
    const lifecycle = await loadLifecycle();
    const verifyPolicy = await verifyPolicyFrom(values, io, await loadVerifying(), undefined);
    const ref = withLayoutPath(parseRef(positionals[0], 'REPO'), io.cwd);
    const target = await context.open(ref);
    const entries = await lifecycle.promotionHistory(target, verifyPolicy, typeof values.env === 'string' ? { environment: values.env } : {});
    if (out.options.json) {
      out.json({ repository: repositoryName(ref), entries });
      return;
    }
    if (entries.length === 0) {
      // Records that do not verify are not history, and say nothing: name the usual reason.
      const hint = values.key !== undefined && values['insecure-ignore-tlog'] !== true ? ' (records signed with --tlog-upload=false verify only with --insecure-ignore-tlog)' : '';
      out.note(`no verified promotion records${hint}`);
    }
    for (const e of entries) out.line(`${e.promotedAt}  ${e.environment.padEnd(8)}  ${e.tag.padEnd(14)}  ${e.digest}${e.rollback ? '  (rollback)' : ''}  signed by ${e.signer ?? '?'}`);
  },
};

export const rollbackCommand: Command = {
  path: ['rollback'],
  usage: 'sealpack rollback REPO --env ENV --config FILE [--to DIGEST] (--key PUB | identity flags) (--signing-key KEY | keyless flags)',
  operands: 1,
  summary: 'move an environment’s tag back to the digest promoted there before (or --to one), if it still verifies; recorded as a promotion',
  options: {
    env: { type: 'string', valueName: 'ENV', description: 'the environment to roll back' },
    ...CONFIG_OPTION,
    to: { type: 'string', valueName: 'DIGEST', description: 'the digest to go back to (default: the one promoted before the current)' },
    ...verifyingKeyOptions('signature'),
    ...RECORD_SIGNING_OPTIONS,
  },
  async run(context) {
    const { values, positionals, io, out } = context;
    if (typeof values.env !== 'string') throw new UsageError('--env ENV is required');
    const { config, dir, lifecycle } = await loadConfig(io, values.config);
    // A rollback is a promotion: judged by the same policy the config names.
    const { gate, policy } = await readPolicyFile(resolve(dir, config.policy), config.policy, `cannot read the policy ${config.policy} the config names`);
    const verifyPolicy = await verifyPolicyFrom(values, io, await loadVerifying(), undefined);
    const { signer, witnesses } = await signerFrom({ ...values, key: values['signing-key'] }, io, await loadSigning());
    const ref = withLayoutPath(parseRef(positionals[0], 'REPO'), io.cwd);
    const target = await context.open(ref);
    const to = values.to;
    if (to !== undefined && (typeof to !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(to))) throw new UsageError(`--to '${String(to)}': want sha256:<64 hex>`);
    const result = await showingDecision(out, gate, () =>
      lifecycle.rollback({
        config,
        policy,
        environment: values.env as string,
        target,
        repositoryName: repositoryName(ref),
        verifyPolicy,
        signer,
        witnesses,
        openInput: inputOpener(context),
        ...(to === undefined ? {} : { to }),
      }),
    );
    const pinned = pinnedReference(ref, result.digest as `sha256:${string}`);
    if (out.options.json) out.json({ reference: pinned, environment: values.env, tag: result.tag, record: result.record.digest });
    else out.result(`Rolled ${values.env} (${result.tag}) back to ${pinned}`, pinned);
  },
};

export const gcCommand: Command = {
  path: ['gc'],
  usage: 'sealpack gc REPO --policy FILE [--apply] [--include-history --archive-to REF] (--key PUB | identity flags)',
  operands: 1,
  summary: 'plan (by default) or apply the removal of what a retention policy lets go, each artifact with all its referrers',
  options: {
    policy: { type: 'string', valueName: 'FILE', description: 'the retention policy (keep: lastPerEnvironment, environments, youngerThanDays, tags)' },
    apply: { type: 'boolean', description: 'delete what the plan removes (without it, only the plan is shown)' },
    'include-history': { type: 'boolean', description: 'let go of artifacts an environment’s history names too (needs --archive-to); the plan lists the history each one loses' },
    'archive-to': { type: 'string', valueName: 'REF', description: 'first copy each removed artifact with all its referrers here (a repository or ocidir://DIR) and read it back' },
    ...verifyingKeyOptions('promotion record'),
  },
  async run(context) {
    const { values, positionals, io, out } = context;
    if (typeof values.policy !== 'string') throw new UsageError('--policy FILE is required (the retention policy)');
    const includeHistory = values['include-history'] === true;
    const archiveTo = values['archive-to'];
    if (archiveTo !== undefined && typeof archiveTo !== 'string') throw new UsageError('--archive-to takes REF');
    if (includeHistory && archiveTo === undefined) throw new UsageError('--include-history needs --archive-to REF: history is archived before it is deleted');
    const text = await readFile(resolve(io.cwd, values.policy), 'utf8').catch(() => {
      throw new UsageError(`cannot read --policy ${String(values.policy)}`);
    });
    const lifecycle = await loadLifecycle();
    const retention = lifecycle.parseRetention(text, values.policy);
    const verifyPolicy = await verifyPolicyFrom(values, io, await loadVerifying(), undefined);
    const ref = withLayoutPath(parseRef(positionals[0], 'REPO'), io.cwd);
    const target = await context.open(ref);
    const archiveRef = archiveTo === undefined ? undefined : withLayoutPath(parseRef(archiveTo, 'REF'), io.cwd);
    const plan = await lifecycle.planGc(target, retention, { verifyPolicy, includeHistory });
    const archive = values.apply === true && archiveRef !== undefined ? { target: await context.open(archiveRef), name: archiveTo as string } : undefined;
    const applied =
      values.apply === true ? await lifecycle.applyGc(target, plan, { ...(ref.kind === 'layout' ? { layoutPath: ref.path } : {}), ...(archive === undefined ? {} : { archive }) }) : undefined;
    if (out.options.json) {
      out.json({
        repository: repositoryName(ref),
        applied: applied !== undefined,
        ...plan,
        ...(applied === undefined ? {} : { deleted: applied, ...(archive === undefined ? {} : { archivedTo: archive.name }) }),
      });
      return;
    }
    for (const e of plan.keep) out.line(`keep    ${e.digest}  ${e.tags.join(', ')}  (${e.keptBecause.join('; ')})`);
    for (const e of plan.remove) {
      out.line(`${applied === undefined ? 'remove' : 'removed'}  ${e.digest}  ${e.tags.join(', ')}  with ${e.referrers.length} referrer(s)`);
      for (const h of e.history) out.line(`  ${applied === undefined ? 'loses' : 'archived'}  ${h.promotedAt}  ${h.environment}  ${h.tag}${h.rollback ? '  (rollback)' : ''}  record ${h.record}`);
      for (const record of e.unverifiedRecords) out.line(`  ${applied === undefined ? 'loses' : 'archived'}  unverified promotion record ${record}`);
    }
    if (applied === undefined) out.note(`dry run: ${plan.remove.length} artifact(s) would go; --apply deletes them`);
    else if (archive !== undefined) out.note(`archived ${plan.remove.length} artifact(s) with their referrers to ${archive.name}`);
    else out.note(`deleted ${applied.manifests} manifest(s)${applied.blobs > 0 ? ` and ${applied.blobs} unreferenced blob(s)` : ''}`);
  },
};
