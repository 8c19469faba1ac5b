import { z } from 'zod';
import { PolicyError } from './errors.ts';
import { parseYamlWithSchema } from './yaml-schema.ts';

export const POLICY_API_VERSION = 'sealpack.dev/policy/v1';
export const DEFAULT_SENSITIVITY_LEVELS = ['public', 'internal', 'restricted', 'confidential'] as const;

const RuleId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a rule id is lowercase letters, digits and -');
const common = { id: RuleId, severity: z.enum(['deny', 'warn']).default('deny'), description: z.string().optional() };
const Identity = z
  .strictObject({ identity: z.string().optional(), identityRegexp: z.string().optional(), issuer: z.string().optional(), issuerRegexp: z.string().optional(), keyId: z.string().optional() })
  .refine(
    (i) => i.keyId !== undefined || ((i.identity !== undefined || i.identityRegexp !== undefined) && (i.issuer !== undefined || i.issuerRegexp !== undefined)),
    'an identity names a keyId, or an identity and an issuer (each exact or -Regexp)',
  );

const RuleSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...common, type: z.literal('digestPinned') }),
  z.strictObject({ ...common, type: z.literal('signatures'), minimum: z.number().int().min(1).default(1), signers: z.array(Identity).optional() }),
  z.strictObject({ ...common, type: z.literal('attestation'), predicateType: z.string().min(1), minimum: z.number().int().min(1).default(1), signers: z.array(Identity).optional() }),
  z.strictObject({ ...common, type: z.literal('sbomWhenSoftware'), softwareArtifactTypes: z.array(z.string().min(1)).min(1) }),
  z.strictObject({ ...common, type: z.literal('license'), allow: z.array(z.string().min(1)).min(1) }),
  z.strictObject({ ...common, type: z.literal('sensitivity'), allow: z.array(z.string().min(1)).min(1) }),
  z.strictObject({ ...common, type: z.literal('careLabels'), required: z.array(z.string().min(1)).default([]), whenAnnotation: z.string().min(1).default('dev.sealpack.community-governed') }),
  z.strictObject({ ...common, type: z.literal('mediaTypes'), allow: z.array(z.string().min(1)).min(1) }),
  z.strictObject({ ...common, type: z.literal('maxAge'), days: z.number().positive() }),
  z.strictObject({ ...common, type: z.literal('requiredAnnotations'), keys: z.array(z.string().min(1)).min(1) }),
  z.strictObject({ ...common, type: z.literal('sensitivityInheritance'), declassifiers: z.array(Identity).default([]) }),
  z.strictObject({ ...common, type: z.literal('cel'), expression: z.string().min(1), message: z.string().optional() }),
]);

export type Rule = z.infer<typeof RuleSchema>;
export type RuleType = Rule['type'];

const Override = z.looseObject({ id: RuleId, disabled: z.boolean().optional() });

const PolicySchema = z
  .strictObject({
    apiVersion: z.literal(POLICY_API_VERSION),
    kind: z.literal('Policy'),
    metadata: z.strictObject({ name: z.string().min(1), description: z.string().optional() }),
    /** The sensitivity lattice, least restrictive first. */
    sensitivityLevels: z
      .array(z.string().min(1))
      .min(1)
      // A level listed twice has two ranks: the lattice would order nothing reliably.
      .refine((levels) => new Set(levels).size === levels.length, 'a sensitivity level is listed twice')
      .default([...DEFAULT_SENSITIVITY_LEVELS]),
    rules: z.array(RuleSchema).min(1),
    /** Per-environment overrides: a rule's parameters or severity by id, or `disabled: true`. */
    environments: z.record(z.string().min(1), z.strictObject({ rules: z.array(Override).default([]) })).default({}),
    /** Per sensitivity level: the registry/repository patterns (`*` matches within a segment, `**` across) an artifact may go to. */
    destinations: z.record(z.string().min(1), z.array(z.string().min(1))).optional(),
  })
  .superRefine((policy, ctx) => {
    const ids = new Set<string>();
    policy.rules.forEach((rule, i) => {
      if (ids.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `the rule id ${rule.id} is used twice` });
      ids.add(rule.id);
    });
    for (const [env, config] of Object.entries(policy.environments)) {
      config.rules.forEach((override, i) => {
        const at = ['environments', env, 'rules', i];
        const base = policy.rules.find((rule) => rule.id === override.id);
        if (base === undefined) {
          ctx.addIssue({ code: 'custom', path: [...at, 'id'], message: `no rule ${override.id} to override` });
          return;
        }
        // The rule as this environment will run it must pass the rule's own schema: an override
        // is not a side door for a field, value or type the rule itself would be refused for.
        if (override.type !== undefined && override.type !== base.type) {
          ctx.addIssue({ code: 'custom', path: [...at, 'type'], message: `an override cannot change the type of rule ${base.id} (${base.type})` });
          return;
        }
        const { disabled: _disabled, ...params } = override;
        const merged = RuleSchema.safeParse({ ...base, ...params });
        for (const issue of merged.success ? [] : merged.error.issues) ctx.addIssue({ code: 'custom', path: [...at, ...issue.path], message: issue.message });
      });
    }
    for (const level of Object.keys(policy.destinations ?? {})) {
      if (!policy.sensitivityLevels.includes(level)) ctx.addIssue({ code: 'custom', path: ['destinations', level], message: `${level} is not a sensitivity level of this policy` });
    }
  });

export type Policy = z.infer<typeof PolicySchema>;

/**
 * Reads a policy file (YAML, or JSON, which is YAML), checks it against the versioned schema, and
 * says where a fault is: `file:line:column` of the offending node. Duplicate keys are faults.
 */
export function parsePolicy(text: string, file = 'policy'): Policy {
  return parseYamlWithSchema(PolicySchema, text, file, (fault) => new PolicyError('INVALID_POLICY', fault.message, { location: fault.location }));
}
