import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compilePolicy, decisionJUnit, decisionTable, type Evidence, EvidenceSchema, type EvidenceInput, parsePolicy, type Policy } from '../src/index.ts';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const PROV = 'https://sealpack.dev/attestation/prov/v1';
const SPDX = 'https://spdx.dev/Document';
const NOW = new Date('2026-12-04T12:00:00Z');

/** Evidence of an artifact that passes everything in FULL below. */
const GOOD: EvidenceInput = {
  schemaVersion: 1,
  subject: {
    reference: `registry.example/data/parks@${digest('a')}`,
    pinned: true,
    digest: digest('a'),
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: 'application/vnd.kfm.parks.v1',
    annotations: { 'org.opencontainers.image.licenses': 'CC-BY-4.0', 'dev.sealpack.sensitivity': 'public', 'org.opencontainers.image.created': '2026-11-01T00:00:00Z', 'dev.sealpack.owner': 'gis' },
    created: '2026-11-01T00:00:00Z',
    files: [{ name: 'parks.pmtiles', mediaType: 'application/vnd.pmtiles', size: 10, digest: digest('b') }],
  },
  signatures: [{ valid: true, identity: 'ci@example.org', issuer: 'https://token.actions.example', tlog: true, timestamp: true }],
  attestations: [
    { predicateType: PROV, valid: true, identity: 'ci@example.org', issuer: 'https://token.actions.example', predicateDigest: digest('c') },
    { predicateType: SPDX, valid: true, identity: 'ci@example.org', issuer: 'https://token.actions.example', predicateDigest: digest('d') },
  ],
  labels: { license: 'CC-BY-4.0', sensitivity: 'public' },
  lineage: { inputs: [{ id: `oci://registry.example/raw/parks@${digest('e')}`, sensitivity: 'public' }] },
};

const FULL = `
apiVersion: sealpack.dev/policy/v1
kind: Policy
metadata: { name: full }
rules:
  - { id: pinned, type: digestPinned }
  - id: signed
    type: signatures
    signers: [{ identity: ci@example.org, issuer: https://token.actions.example }]
  - { id: provenance, type: attestation, predicateType: ${PROV} }
  - { id: sbom, type: sbomWhenSoftware, softwareArtifactTypes: ['application/vnd.kfm.*.v1', 'application/vnd.oci.image.config.v1+json'] }
  - { id: license, type: license, allow: [CC-BY-4.0, ODbL-1.0, MIT] }
  - { id: sensitivity, type: sensitivity, allow: [public, internal] }
  - { id: care, type: careLabels, required: [collective-benefit] }
  - { id: media-types, type: mediaTypes, allow: ['application/vnd.pmtiles', 'application/geo+json'] }
  - { id: fresh, type: maxAge, days: 90 }
  - { id: owner, type: requiredAnnotations, keys: [dev.sealpack.owner] }
  - id: inherit
    type: sensitivityInheritance
    declassifiers: [{ identity: privacy-officer@example.org, issuer: https://token.actions.example }]
  - { id: custom, type: cel, expression: 'subject.files.size() > 0 && labels.license != "proprietary"', message: files and an open license }
environments:
  prod:
    rules:
      - { id: sensitivity, allow: [public] }
  lab:
    rules:
      - { id: fresh, disabled: true }
      - { id: owner, severity: warn }
`;

const policy = parsePolicy(FULL, 'full.yaml');
const evidence = (change: (e: EvidenceInput) => void = () => {}): Evidence => {
  const copy = structuredClone(GOOD);
  change(copy);
  return EvidenceSchema.parse(copy);
};
const decide = (e: Evidence, p: Policy = policy, env?: string) => compilePolicy(p, env).evaluate(e, NOW);

describe('evaluation: the good artifact passes, each fault is denied by its rule', () => {
  it('allows the good artifact, with every rule passed', () => {
    const decision = decide(evidence());
    expect(decision.violations).toEqual([]);
    expect(decision.allow).toBe(true);
    expect(decision.results.map((r) => r.id)).toEqual([
      'not-revoked',
      'pinned',
      'signed',
      'provenance',
      'sbom',
      'license',
      'sensitivity',
      'care',
      'media-types',
      'fresh',
      'owner',
      'inherit',
      'custom',
    ]);
  });

  const declassifying = { '@graph': [{ '@id': 'urn:sealpack:run:r', '@type': 'Activity', parameter: [{ '@type': 'Parameter', key: 'declassification', value: 'coordinates generalised to 1 km' }] }] };
  const NEGATIVES: Array<[string, (e: EvidenceInput) => void, string]> = [
    ['unsigned', (e) => (e.signatures = []), 'signed'],
    ['a signature that does not verify', (e) => (e.signatures = [{ valid: false, reason: 'the signature does not verify [SIGNATURE_INVALID]', tlog: false, timestamp: false }]), 'signed'],
    ['signed by the wrong identity', (e) => ((e.signatures[0] as { identity: string }).identity = 'mallory@example.org'), 'signed'],
    ['signed through the wrong issuer', (e) => ((e.signatures[0] as { issuer: string }).issuer = 'https://evil.example'), 'signed'],
    ['a signature over another digest', (e) => (e.signatures = [{ valid: false, reason: 'the signed statement is about another artifact [SUBJECT_MISMATCH]', tlog: true, timestamp: true }]), 'signed'],
    ['signed by a key where an identity is required', (e) => (e.signatures = [{ valid: true, keyId: 'abc', tlog: false, timestamp: false }]), 'signed'],
    ['only an attestation, no signature', (e) => (e.signatures = []), 'signed'],
    ['provenance missing', (e) => (e.attestations = e.attestations.filter((a) => a.predicateType !== PROV)), 'provenance'],
    ['provenance tampered', (e) => ((e.attestations[0] as { valid: boolean; reason?: string }).valid = false), 'provenance'],
    ['provenance by the wrong signer, still verified (any signer passes attestation without signers)', (e) => ((e.attestations[0] as { valid: boolean }).valid = false), 'provenance'],
    ['SBOM missing for built software', (e) => (e.attestations = e.attestations.filter((a) => a.predicateType !== SPDX)), 'sbom'],
    ['SBOM that does not verify', (e) => ((e.attestations[1] as { valid: boolean }).valid = false), 'sbom'],
    ['license missing', (e) => delete e.labels.license, 'license'],
    ['license not allowed', (e) => (e.labels.license = 'GPL-3.0-only'), 'license'],
    ['license AND with one not allowed', (e) => (e.labels.license = 'CC-BY-4.0 AND GPL-3.0-only'), 'license'],
    ['license that is not an SPDX expression', (e) => (e.labels.license = 'free for all'), 'license'],
    ['sensitivity missing', (e) => delete e.labels.sensitivity, 'sensitivity'],
    ['sensitivity not allowed here', (e) => (e.labels.sensitivity = 'restricted'), 'sensitivity'],
    ['sensitivity not a level', (e) => (e.labels.sensitivity = 'top-secret'), 'sensitivity'],
    ['sensitivity lower than an input’s', (e) => ((e.lineage as { inputs: Array<{ sensitivity?: string }> }).inputs[0] = { id: 'oci://r/x@sha256:1', sensitivity: 'restricted' } as never), 'inherit'],
    [
      'declassified, but not by a trusted declassifier',
      (e) => {
        (e.lineage as { inputs: unknown[] }).inputs = [{ id: 'oci://r/x', sensitivity: 'confidential' }];
        (e.attestations[0] as { predicate?: unknown }).predicate = declassifying;
      },
      'inherit',
    ],
    ['an input whose label cannot be read', (e) => ((e.lineage as { inputs: unknown[] }).inputs = [{ id: 'oci://r/x' }]), 'inherit'],
    ['an input labelled with an unknown level', (e) => ((e.lineage as { inputs: unknown[] }).inputs = [{ id: 'oci://r/x', sensitivity: 'secret' }]), 'inherit'],
    ['tag not pinned', (e) => (e.subject.pinned = false), 'pinned'],
    ['CARE labels missing on community-governed content', (e) => (e.subject.annotations['dev.sealpack.community-governed'] = 'true'), 'care'],
    [
      'CARE labels incomplete',
      (e) => {
        e.subject.annotations['dev.sealpack.community-governed'] = 'true';
        e.labels.care = ['authority-to-control'];
      },
      'care',
    ],
    ['a media type not allowed', (e) => e.subject.files.push({ name: 'x.exe', mediaType: 'application/x-msdownload', size: 1, digest: digest('f') }), 'media-types'],
    ['too old', (e) => (e.subject.created = '2025-01-01T00:00:00Z'), 'fresh'],
    ['no creation time', (e) => delete e.subject.created, 'fresh'],
    ['an unparseable creation time', (e) => (e.subject.created = 'last week'), 'fresh'],
    ['a required annotation missing', (e) => delete e.subject.annotations['dev.sealpack.owner'], 'owner'],
    ['a required annotation empty', (e) => (e.subject.annotations['dev.sealpack.owner'] = ''), 'owner'],
    ['a CEL rule that is false', (e) => (e.subject.files = []), 'custom'],
    ['a CEL rule on a proprietary license', (e) => (e.labels.license = 'proprietary'), 'custom'],
    ['revoked by a signer the caller trusts', (e) => (e.revocations = [{ reason: 'coordinates of nesting sites leaked', signer: 'key abc' }]), 'not-revoked'],
  ];

  it.each(NEGATIVES)('denies %s, by rule %s', (_what, change, rule) => {
    const decision = decide(evidence(change));
    expect(decision.allow).toBe(false);
    expect(decision.violations.map((v) => v.id)).toContain(rule);
  });

  it('allows what is declassified by a trusted, signed activity, and a lower input', () => {
    const trusted = evidence((e) => {
      (e.lineage as { inputs: unknown[] }).inputs = [{ id: 'oci://r/x', sensitivity: 'confidential' }];
      Object.assign(e.attestations[0] as object, { identity: 'privacy-officer@example.org', predicate: declassifying });
    });
    expect(decide(trusted).results.find((r) => r.id === 'inherit')).toMatchObject({ passed: true, message: expect.stringMatching(/declassified/) });
    expect(decide(evidence((e) => (e.labels.sensitivity = 'internal'))).results.find((r) => r.id === 'inherit')?.passed).toBe(true);
    expect(decide(evidence((e) => (e.labels.license = 'CC-BY-4.0 OR GPL-3.0-only'))).allow).toBe(true);
  });

  it('applies environment overrides, and refuses an environment the policy does not define', () => {
    expect(
      decide(
        evidence((e) => (e.labels.sensitivity = 'internal')),
        policy,
        'prod',
      ).violations.map((v) => v.id),
    ).toContain('sensitivity');
    expect(
      decide(
        evidence((e) => (e.labels.sensitivity = 'internal')),
        policy,
      ).allow,
    ).toBe(true);
    const lab = decide(
      evidence((e) => (e.subject.created = '2020-01-01T00:00:00Z')),
      policy,
      'lab',
    );
    expect(lab.results.map((r) => r.id)).not.toContain('fresh');
    const warned = decide(
      evidence((e) => delete e.subject.annotations['dev.sealpack.owner']),
      policy,
      'lab',
    );
    expect(warned).toMatchObject({ allow: true, violations: [{ id: 'owner', severity: 'warn' }] });
    expect(() => compilePolicy(policy, 'qa')).toThrow(expect.objectContaining({ code: 'INVALID_POLICY', message: expect.stringMatching(/no environment qa; it has prod, lab/) }));
  });

  it('fails closed: a rule that throws, or a CEL expression that is not boolean, is a deny even at warn', () => {
    const throwing = parsePolicy(
      `${FULL.split('environments:')[0]}  - { id: broken, type: cel, severity: warn, expression: 'subject.nothing.deeper == 1' }\n  - { id: number, type: cel, severity: warn, expression: '1 + 1' }\n`,
      'x.yaml',
    );
    const decision = decide(evidence(), throwing);
    expect(decision.allow).toBe(false);
    expect(decision.violations.filter((v) => v.id === 'broken' || v.id === 'number')).toEqual([
      expect.objectContaining({ id: 'broken', severity: 'deny', message: expect.stringMatching(/^evaluation error/) }),
      expect.objectContaining({ id: 'number', severity: 'deny', message: expect.stringMatching(/not a boolean/) }),
    ]);
  });

  it('reports as a table, as versioned JSON, and as JUnit XML', () => {
    const decision = decide(evidence((e) => (e.labels.license = 'GPL-3.0-only & <more>')));
    expect(decisionTable(decision)).toMatch(/^✔ not-revoked {2}no verified revocation\n✔ pinned {7}pinned to sha256:a+\n/);
    expect(decisionTable(decision)).toMatch(/\n✘ license {6}GPL-3\.0-only & <more> is not within/);
    expect(decisionTable(decision)).toMatch(/\nDENY {2}sha256:a+ under policy full$/);
    expect(JSON.parse(JSON.stringify(decision))).toMatchObject({ schema: 'https://sealpack.dev/policy/decision/v1', allow: false, violations: [{ id: 'license', path: 'labels.license' }] });
    const junit = decisionJUnit(decision);
    expect(junit).toContain('<testsuites name="sealpack policy full" tests="13" failures="1">');
    expect(junit).toContain('<failure message="GPL-3.0-only &amp; &lt;more&gt; is not within');
  });

  it('the shipped baseline example parses and gates as documented', () => {
    const baseline = parsePolicy(readFileSync(new URL('../examples/baseline.yaml', import.meta.url), 'utf8'), 'baseline.yaml');
    expect(decide(evidence(), baseline, 'prod').allow).toBe(true);
    expect(
      decide(
        evidence((e) => (e.subject.pinned = false)),
        baseline,
        'dev',
      ),
    ).toMatchObject({ allow: true, violations: [{ id: 'pinned', severity: 'warn' }] });
    expect(
      decide(
        evidence((e) => (e.subject.pinned = false)),
        baseline,
        'prod',
      ).allow,
    ).toBe(false);
    expect(
      decide(
        evidence((e) => (e.labels.sensitivity = 'restricted')),
        baseline,
        'prod',
      ).violations[0]?.id,
    ).toBe('sensitivity');
    expect(
      decide(
        evidence((e) => (e.signatures = [])),
        baseline,
        'dev',
      ).violations[0]?.id,
    ).toBe('signed');
  });
});

describe('signers: counted once each, matched whole', () => {
  const ISSUER = 'https://token.actions.example';
  const withRules = (rules: string) => parsePolicy(`apiVersion: sealpack.dev/policy/v1\nkind: Policy\nmetadata: { name: signers }\nrules:\n${rules}`, 'signers.yaml');
  const signature = (who: { identity?: string; keyId?: string }) => ({ valid: true, ...who, ...(who.identity === undefined ? {} : { issuer: ISSUER }), tlog: true, timestamp: true });
  const two = withRules(`  - { id: two, type: signatures, minimum: 2 }\n  - { id: two-attested, type: attestation, predicateType: ${PROV}, minimum: 2 }\n`);

  it('does not let one signer meet minimum: 2 by signing twice (one identity, one key), and says how many signers there were', () => {
    const twiceByOne = decide(
      evidence((e) => {
        e.signatures = [signature({ identity: 'ci@example.org' }), signature({ identity: 'ci@example.org' })];
        e.attestations = [0, 1].map(() => ({ predicateType: PROV, valid: true, identity: 'ci@example.org', issuer: ISSUER }));
      }),
      two,
    );
    expect(twiceByOne.allow).toBe(false);
    expect(twiceByOne.violations).toEqual([
      expect.objectContaining({ id: 'two', message: expect.stringMatching(/needs 2 valid signature\(s\) by distinct signers: 1 distinct signer \(2 valid signatures\)/) }),
      expect.objectContaining({ id: 'two-attested', message: expect.stringMatching(/needs 2 verified \S+ attestation\(s\) by distinct signers: 1 distinct signer \(2 verified\)/) }),
    ]);
    const oneKey = decide(
      evidence((e) => (e.signatures = [signature({ keyId: 'k1' }), signature({ keyId: 'k1' })])),
      two,
    );
    expect(oneKey.violations.map((v) => v.id)).toContain('two');
    const byTwo = decide(
      evidence((e) => (e.signatures = [signature({ identity: 'ci@example.org' }), signature({ keyId: 'k1' }), signature({ identity: 'ci@example.org' })])),
      two,
    );
    expect(byTwo.results.find((r) => r.id === 'two')).toMatchObject({ passed: true, message: expect.stringMatching(/^2 distinct signers/) });
  });

  it('matches a signer identity pattern against the whole identity, and reports who matched', () => {
    const org = withRules(`  - id: org\n    type: signatures\n    signers: [{ identityRegexp: 'https://github.com/org/.*', issuerRegexp: 'https://token\\.actions\\.example' }]\n`);
    const from = (identity: string) =>
      decide(
        evidence((e) => (e.signatures = [signature({ identity })])),
        org,
      );
    expect(from('https://github.com/org/x/.github/workflows/ci.yml@refs/heads/main').allow).toBe(true);
    // Unanchored, the pattern would be found inside these.
    expect(from('https://evil.example/?https://github.com/org/x').allow).toBe(false);
    expect(
      decide(
        evidence((e) => (e.signatures = [{ ...signature({ identity: 'https://github.com/org/x' }), issuer: 'https://token.actions.example.evil' }])),
        org,
      ).allow,
    ).toBe(false);
    const decision = from('https://github.com/org/x/.github/workflows/ci.yml@refs/heads/main');
    expect(JSON.parse(JSON.stringify(decision)).results.find((r: { id: string }) => r.id === 'org')).toMatchObject({
      signers: [{ identity: 'https://github.com/org/x/.github/workflows/ci.yml@refs/heads/main', issuer: ISSUER }],
    });
  });
});

describe('hostile input at evaluation', () => {
  const withRules = (rules: string) => parsePolicy(`apiVersion: sealpack.dev/policy/v1\nkind: Policy\nmetadata: { name: hostile }\nrules:\n${rules}`, 'hostile.yaml');

  it('a CEL expression over the cost budget is denied, naming the rule, before it runs', () => {
    const many = evidence((e) => {
      e.subject.files = Array.from({ length: 2000 }, (_, i) => ({ name: `f${i}`, mediaType: 'application/vnd.pmtiles', size: i, digest: digest('b') }));
    });
    const nested = withRules(`  - { id: quadratic, type: cel, severity: warn, expression: 'subject.files.all(a, subject.files.all(b, subject.files.all(c, a.size >= 0)))' }\n`);
    const decision = decide(many, nested);
    expect(decision.allow).toBe(false);
    expect(decision.violations).toEqual([expect.objectContaining({ id: 'quadratic', severity: 'deny', message: expect.stringMatching(/cost budget/) })]);
    // The same rule over a few files is cheap, and holds.
    expect(decide(evidence(), nested).allow).toBe(true);
  });

  it('a CEL expression too large to compile is INVALID_POLICY naming the rule', () => {
    const huge = withRules(`  - { id: huge, type: cel, expression: '${Array.from({ length: 3000 }, () => '1').join(' + ')} > 0' }\n`);
    expect(() => compilePolicy(huge)).toThrow(expect.objectContaining({ code: 'INVALID_POLICY', message: expect.stringMatching(/^rule huge: /) }));
  });

  it('an annotation key named like an Object.prototype member is not present unless the artifact has it', () => {
    const required = withRules('  - { id: owner, type: requiredAnnotations, keys: [constructor, toString] }\n');
    expect(decide(evidence(), required).violations).toEqual([expect.objectContaining({ id: 'owner', message: 'missing annotations: constructor, toString' })]);
  });
});
