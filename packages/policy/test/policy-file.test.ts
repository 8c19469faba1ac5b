import { describe, expect, it } from 'vitest';
import { checkDestination, parsePolicy } from '../src/index.ts';

const HEAD = 'apiVersion: sealpack.dev/policy/v1\nkind: Policy\nmetadata: { name: p }\n';

describe('policy files: a malformed policy is an input error that names the place, never an allow', () => {
  it.each([
    ['YAML that does not parse', `${HEAD}rules:\n  - id: a\n    type: [unclosed\n`, /p\.yaml:\d+:\d+: /],
    ['a duplicate key', `${HEAD}rules:\n  - id: a\n    id: b\n    type: digestPinned\n`, /p\.yaml:6:5: Map keys must be unique/],
    ['an unknown rule type', `${HEAD}rules:\n  - id: a\n    type: trustMe\n`, /p\.yaml:6:11: rules\.0\.type: Invalid discriminator value/],
    ['an unknown field in a rule', `${HEAD}rules:\n  - id: a\n    type: digestPinned\n    allowAll: true\n`, /p\.yaml:5:5: rules\.0: .*allowAll/],
    ['a rule without an id', `${HEAD}rules:\n  - type: digestPinned\n`, /rules\.0\.id: /],
    ['a rule id used twice', `${HEAD}rules:\n  - { id: a, type: digestPinned }\n  - { id: a, type: digestPinned }\n`, /p\.yaml:6:11: rules\.1\.id: the rule id a is used twice/],
    ['no rules', `${HEAD}rules: []\n`, /rules: /],
    ['another API version', 'apiVersion: sealpack.dev/policy/v9\nkind: Policy\nmetadata: { name: p }\nrules: [{ id: a, type: digestPinned }]\n', /p\.yaml:1:13: apiVersion: /],
    ['a minimum of zero signatures', `${HEAD}rules:\n  - { id: s, type: signatures, minimum: 0 }\n`, /rules\.0\.minimum: /],
    ['a signer without an issuer', `${HEAD}rules:\n  - { id: s, type: signatures, signers: [{ identity: me@example.org }] }\n`, /an identity and an issuer/],
    [
      'an override of a rule that does not exist',
      `${HEAD}rules:\n  - { id: a, type: digestPinned }\nenvironments:\n  prod:\n    rules:\n      - { id: b, severity: warn }\n`,
      /p\.yaml:9:15: environments\.prod\.rules\.0\.id: no rule b/,
    ],
    ['a severity that is not deny or warn', `${HEAD}rules:\n  - { id: a, type: digestPinned, severity: ignore }\n`, /rules\.0\.severity: /],
    ['destinations for a level the lattice lacks', `${HEAD}rules:\n  - { id: a, type: digestPinned }\ndestinations:\n  secret: [x/*]\n`, /destinations\.secret: secret is not a sensitivity level/],
    ['JSON with a wrong type', '{"apiVersion":"sealpack.dev/policy/v1","kind":"Policy","metadata":{"name":"p"},"rules":"all"}', /p\.yaml:1:\d+: rules: /],
  ])('%s', (_what, text, message) => {
    expect(() => parsePolicy(text, 'p.yaml')).toThrow(expect.objectContaining({ code: 'INVALID_POLICY', kind: 'input', message: expect.stringMatching(message) }));
  });

  it('a CEL expression that does not parse is refused when the policy is compiled', async () => {
    const { compilePolicy } = await import('../src/index.ts');
    const policy = parsePolicy(`${HEAD}rules:\n  - { id: c, type: cel, expression: 'subject.(' }\n`, 'p.yaml');
    expect(() => compilePolicy(policy)).toThrow(expect.objectContaining({ code: 'INVALID_POLICY', message: expect.stringMatching(/rule c: the CEL expression does not parse/) }));
  });

  it('a signer pattern that is no regular expression is refused when the policy is compiled, not at the first evaluation', async () => {
    const { compilePolicy } = await import('../src/index.ts');
    const policy = parsePolicy(`${HEAD}rules:\n  - { id: s, type: signatures, signers: [{ identityRegexp: '(unclosed', issuer: 'https://issuer.example' }] }\n`, 'p.yaml');
    expect(() => compilePolicy(policy)).toThrow(expect.objectContaining({ code: 'INVALID_POLICY', message: expect.stringMatching(/rule s: identityRegexp \(unclosed is not a regular expression/) }));
  });
});

describe('destinations', () => {
  const policy = parsePolicy(
    `${HEAD}rules:\n  - { id: a, type: digestPinned }\ndestinations:\n  public: ['registry.example/**', 'mirror.example/data/*']\n  restricted: [registry.internal/restricted/**]\n`,
    'p.yaml',
  );

  it('lets an artifact go only where its level may go, before any byte leaves', () => {
    expect(() => checkDestination(policy, 'public', 'registry.example/data/parks')).not.toThrow();
    expect(() => checkDestination(policy, 'public', 'mirror.example/data/parks')).not.toThrow();
    expect(() => checkDestination(policy, 'public', 'mirror.example/data/deep/parks')).toThrow(expect.objectContaining({ code: 'DESTINATION_DENIED' }));
    expect(() => checkDestination(policy, 'restricted', 'registry.example/data/parks')).toThrow(/not a destination for restricted artifacts/);
    expect(() => checkDestination(policy, 'restricted', 'registry.internal/restricted/x/y')).not.toThrow();
    expect(() => checkDestination(policy, 'confidential', 'registry.internal/restricted/x')).toThrow(/confidential artifacts may go nowhere/);
    expect(() => checkDestination(policy, undefined, 'registry.example/data/parks')).toThrow(/no sensitivity label/);
    // A policy without destinations keeps everything above the lowest level home (fail closed).
    const none = parsePolicy(`${HEAD}rules:\n  - { id: a, type: digestPinned }\n`, 'p.yaml');
    expect(() => checkDestination(none, 'restricted', 'anywhere/x')).toThrow(/restricted artifacts go only where a policy's destinations allow, and policy p lists none/);
    expect(() => checkDestination(none, 'secret', 'anywhere/x')).toThrow(/secret is not a level of it/);
    expect(() => checkDestination(none, 'public', 'anywhere/x')).not.toThrow();
    expect(() => checkDestination(none, undefined, 'anywhere/x')).not.toThrow();
  });
});

describe('hostile policies and labels: a typed refusal, never a crash', () => {
  const RULES = 'rules:\n  - { id: a, type: digestPinned }\n';

  it('a label or environment named like an Object.prototype member is no destination and no environment', async () => {
    const { compilePolicy } = await import('../src/index.ts');
    const policy = parsePolicy(`${HEAD}${RULES}destinations:\n  public: ['registry.example/**']\n`, 'p.yaml');
    for (const label of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(() => checkDestination(policy, label, 'registry.example/x')).toThrow(expect.objectContaining({ code: 'DESTINATION_DENIED', message: expect.stringMatching(/may go nowhere/) }));
      expect(() => compilePolicy(policy, label)).toThrow(expect.objectContaining({ code: 'INVALID_POLICY', message: expect.stringMatching(/has no environment/) }));
    }
  });

  it('a YAML alias bomb is INVALID_POLICY, not a resource exhaustion or a ReferenceError', () => {
    const bomb = `${HEAD}${RULES}x-a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\nx-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nx-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nx-d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n`;
    expect(() => parsePolicy(bomb, 'p.yaml')).toThrow(expect.objectContaining({ code: 'INVALID_POLICY', kind: 'input', message: expect.stringMatching(/^p\.yaml:\d+:\d+: .*alias/) }));
  });

  it.each([
    ['a field the rule type does not have', '{ id: s, allowAll: true }', /environments\.prod\.rules\.0: .*allowAll/],
    ['a value the rule schema refuses', '{ id: s, minimum: 0 }', /environments\.prod\.rules\.0\.minimum: /],
    ['another rule type', '{ id: s, type: digestPinned }', /environments\.prod\.rules\.0\.type: /],
    ['a signer pattern with no issuer', '{ id: s, signers: [{ identityRegexp: ".*" }] }', /environments\.prod\.rules\.0\.signers\.0: .*issuer/],
  ])('an environment override with %s is refused as the rule itself would be', (_what, override, message) => {
    const text = `${HEAD}rules:\n  - { id: s, type: signatures, minimum: 2 }\nenvironments:\n  prod:\n    rules:\n      - ${override}\n`;
    expect(() => parsePolicy(text, 'p.yaml')).toThrow(expect.objectContaining({ code: 'INVALID_POLICY', message: expect.stringMatching(message) }));
  });
});

describe('the lattice', () => {
  it('refuses a level listed twice', () => {
    expect(() =>
      parsePolicy('apiVersion: sealpack.dev/policy/v1\nkind: Policy\nmetadata: { name: p }\nsensitivityLevels: [public, secret, public]\nrules:\n  - { id: a, type: digestPinned }\n', 'p.yaml'),
    ).toThrow(expect.objectContaining({ code: 'INVALID_POLICY', message: expect.stringMatching(/p\.yaml:4:\d+: sensitivityLevels: a sensitivity level is listed twice/) }));
  });
});
