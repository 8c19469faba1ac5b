import { describe, expect, it } from 'vitest';
import { environment, parseLifecycleConfig } from './config.ts';

const HEAD = 'apiVersion: sealpack.dev/lifecycle/v1\nkind: Environments\npolicy: p.yaml\nenvironments:\n';

describe('hostile environments files: a typed refusal, never a crash', () => {
  it('an environment named like an Object.prototype member is unknown, and no from: may name one', () => {
    const config = parseLifecycleConfig(`${HEAD}  prod:\n    tag: prod\n`, 'envs.yaml');
    for (const name of ['constructor', '__proto__', 'toString']) {
      expect(() => environment(config, name)).toThrow(expect.objectContaining({ code: 'UNKNOWN_ENVIRONMENT', kind: 'input' }));
    }
    expect(() => parseLifecycleConfig(`${HEAD}  prod:\n    tag: prod\n    from: constructor\n`, 'envs.yaml')).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringMatching(/environments\.prod\.from: no environment constructor/) }),
    );
  });

  it('a YAML alias bomb is INVALID_CONFIG naming the file', () => {
    const bomb = `${HEAD}  prod:\n    tag: prod\nx-a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\nx-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nx-c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n`;
    expect(() => parseLifecycleConfig(bomb, 'envs.yaml')).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringMatching(/^envs\.yaml:\d+:\d+: .*alias/) }));
  });
});
