import { resolve } from 'node:path';
import { referenceSelector } from '@sealpack/oci-client';
import { z } from 'zod';
import type { Command } from '../command.ts';
import { inputOpener } from '../input-sensitivity.ts';
import { parseOptions } from '../command-input.ts';
import { readPolicyFile } from '../policy-file.ts';
import { parseRef, withLayoutPath } from '../global-options.ts';
import { loadVerifying, verifyingKeyOptions, verifyPolicyFrom } from './signing-options.ts';

const PolicyCheckValues = z.object({
  policy: z.string({ message: 'is required' }).min(1),
  env: z.string().min(1).optional(),
  format: z.enum(['table', 'json', 'junit'], { message: 'table, json or junit' }).default('table'),
});

export const policyCheckCommand: Command = {
  path: ['policy', 'check'],
  usage: 'sealpack policy check REF --policy FILE [--env ENV] [--format table|json|junit] (--key FILE | --certificate-identity[-regexp] X --certificate-oidc-issuer[-regexp] Y)',
  operands: 1,
  summary: 'gate an artifact on its evidence: every rule of a policy file, allow or deny (exit 1 on deny; a malformed policy is exit 2)',
  options: {
    policy: { type: 'string', valueName: 'FILE', description: 'the policy (YAML or JSON), e.g. packages/policy/examples/baseline.yaml' },
    env: { type: 'string', valueName: 'ENV', description: 'apply this environment’s overrides (dev, staging, prod, …)' },
    format: { type: 'string', valueName: 'F', defaultText: 'table', description: 'table, json (versioned decision) or junit (XML for CI)' },
    ...verifyingKeyOptions('signature'),
  },
  async run(context) {
    const { values, positionals, io, out } = context;
    const options = parseOptions(PolicyCheckValues, values);
    const { gate, policy } = await readPolicyFile(resolve(io.cwd, options.policy), options.policy, `cannot read --policy ${options.policy}`);
    // A malformed policy or an unknown environment stops here: exit 2, and never an allow.
    gate.compilePolicy(policy, options.env);
    const verifying = await loadVerifying();
    const verifyPolicy = await verifyPolicyFrom(values, io, verifying, undefined);
    const ref = parseRef(positionals[0]);
    const located = withLayoutPath(ref, io.cwd);
    const target = await context.open(located);
    const subject = await target.resolve(referenceSelector(located) ?? 'latest');
    const { decision } = await gate.judgeArtifact(target, subject, {
      reference: positionals[0] as string,
      pinned: located.digest !== undefined,
      verifyPolicy,
      policy,
      ...(options.env === undefined ? {} : { environment: options.env }),
      openInput: inputOpener(context),
    });
    if (out.options.json || options.format === 'json') out.json(decision);
    else out.text(`${options.format === 'junit' ? gate.decisionJUnit(decision) : gate.decisionTable(decision)}\n`);
    if (!decision.allow) {
      const denied = decision.violations.filter((v) => v.severity === 'deny').map((v) => v.id);
      throw new gate.PolicyError('POLICY_DENIED', `policy ${decision.policy} denies ${subject.digest}: ${denied.join(', ')}`);
    }
  },
};
