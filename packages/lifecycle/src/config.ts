import { z } from 'zod';
import { LifecycleError } from './errors.ts';
import { parseYamlFile } from './yaml-file.ts';

const Environment = z.strictObject({
  /** The tag an artifact gets here: `{version}` is its version (`v1.2.3-dev`, `{version}`), or a fixed moving tag (`prod`). */
  tag: z.string().regex(/^[A-Za-z0-9_{}][A-Za-z0-9._{}-]*$/, 'a tag template: letters, digits, . _ - and {version}'),
  /** The environment an artifact must have been promoted to before it may come here. */
  from: z.string().min(1).optional(),
  /** Where the environment lives, `registry/repository` (default: the promoted reference's repository). */
  repository: z.string().min(1).optional(),
  /** The policy environment to evaluate (default: this environment's name, when the policy has it). */
  policyEnvironment: z.string().min(1).optional(),
  /** The schema versions this environment accepts (`MAJOR` or `MAJOR.MINOR`, see checkSchemaVersion). */
  acceptSchema: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'MAJOR or MAJOR.MINOR')
    .optional(),
});

const ConfigSchema = z
  .strictObject({
    apiVersion: z.literal('sealpack.dev/lifecycle/v1'),
    kind: z.literal('Environments'),
    /** The policy every promotion must pass, relative to this file. */
    policy: z.string().min(1),
    /** Tags matching this are release tags: once they point at a digest, never moved (default: semver without pre-release). */
    immutableTags: z.string().default('^v?\\d+\\.\\d+\\.\\d+$'),
    /** How long a promotion waits after claiming an environment for racing claims to land (see claimEnvironment). */
    lockSettleMs: z.number().int().min(0).max(60_000).default(500),
    environments: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), Environment).refine((envs) => Object.keys(envs).length > 0, 'at least one environment'),
  })
  .superRefine((config, ctx) => {
    for (const [name, env] of Object.entries(config.environments)) {
      if (env.from !== undefined && !Object.hasOwn(config.environments, env.from)) ctx.addIssue({ code: 'custom', path: ['environments', name, 'from'], message: `no environment ${env.from}` });
    }
    try {
      new RegExp(config.immutableTags);
    } catch {
      ctx.addIssue({ code: 'custom', path: ['immutableTags'], message: 'not a regular expression' });
    }
  });

export type LifecycleConfig = z.infer<typeof ConfigSchema>;
export type EnvironmentConfig = z.infer<typeof Environment>;

/** Reads an environments file (YAML or JSON); a fault names `file:line:column`. */
export function parseLifecycleConfig(text: string, file = 'environments.yaml'): LifecycleConfig {
  return parseYamlFile(ConfigSchema, text, file);
}

export function environment(config: LifecycleConfig, name: string): EnvironmentConfig {
  // Own keys only: `--to constructor` names no environment, not Object.prototype.constructor.
  const env = Object.hasOwn(config.environments, name) ? config.environments[name] : undefined;
  if (env === undefined) throw new LifecycleError('UNKNOWN_ENVIRONMENT', `no environment ${name}; the config has ${Object.keys(config.environments).join(', ')}`);
  return env;
}

/** The tag an environment gives an artifact of this version. */
export function tagFor(env: EnvironmentConfig, version: string | undefined, name: string): string {
  if (!env.tag.includes('{version}')) return env.tag;
  if (version === undefined) throw new LifecycleError('INVALID_CONFIG', `environment ${name} tags by {version}, and the artifact has no version (org.opencontainers.image.version) and none was given`);
  return env.tag.replaceAll('{version}', version);
}
