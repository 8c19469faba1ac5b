import { resolve } from 'node:path';
import type { Descriptor, ReadOnlyTarget } from '@sealpack/oci-client';
import type { CarriedGraph } from '@sealpack/policy';
import type { CommandContext, OptionSpecs } from './command.ts';
import { inputOpener } from './input-sensitivity.ts';
import { readPolicyFile } from './policy-file.ts';
import { loadVerifying, readKeyFile } from './commands/signing-options.ts';

/** The options of a command that moves an artifact somewhere (copy, backup, restore): the judge's inputs. */
export const MOVE_GATE_OPTIONS = {
  policy: {
    type: 'string',
    valueName: 'FILE',
    defaultText: 'the built-in default: nothing labelled above public leaves',
    description: 'the policy whose destinations (and rules) decide whether the artifact may go there',
  },
  env: { type: 'string', valueName: 'ENV', description: 'the policy environment to apply' },
  key: { type: 'string', valueName: 'FILE', description: 'verify signatures, attestations and revocations with this public key (else none counts)' },
  'insecure-ignore-tlog': { type: 'boolean', description: 'with --key: accept signatures made without a transparency log (--tlog-upload=false), as cosign' },
} as const satisfies OptionSpecs;

/**
 * Asks the judge whether `subject` may go to `destination`, before anything is written there: a
 * deny prints the decision (every reason) and fails with exit 1. Without --policy the built-in
 * default applies, so restricted data never leaves by accident; unlabelled artifacts move freely.
 */
export async function judgeMoveTo(context: CommandContext, source: ReadOnlyTarget, subject: Descriptor, reference: string, destination: string, carries: CarriedGraph): Promise<void> {
  const { values, io, out } = context;
  const file = typeof values.policy === 'string' ? values.policy : undefined;
  const { gate, policy } = file === undefined ? { gate: await import('@sealpack/policy'), policy: undefined } : await readPolicyFile(resolve(io.cwd, file), file, `cannot read --policy ${file}`);
  const environment = typeof values.env === 'string' ? values.env : undefined;
  const verifyPolicy =
    values.key === undefined ? undefined : { publicKey: (await loadVerifying()).loadPublicKey(await readKeyFile(io, values.key, '--key')), ignoreTlog: values['insecure-ignore-tlog'] === true };
  const judged = await gate.judgeArtifact(source, subject, {
    reference,
    pinned: reference.includes('@sha256:'),
    ...(verifyPolicy === undefined ? {} : { verifyPolicy }),
    ...(policy === undefined ? {} : { policy }),
    ...(environment === undefined ? {} : { environment }),
    destination,
    carries,
    openInput: inputOpener(context),
  });
  if (judged.allow) return;
  // The decision with every reason: a table for people, or the document --json prints.
  if (out.options.json) out.json(judged.decision);
  else out.text(`${gate.decisionTable(judged.decision)}\n`);
  throw new gate.PolicyError('POLICY_DENIED', `policy ${judged.decision.policy} denies moving ${subject.digest} to ${destination}: ${judged.reasons.join('; ')}; nothing was written`);
}
