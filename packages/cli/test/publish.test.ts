import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { startFaultProxy, uniqueRepository } from '@sealpack/test-registry';
import { Interrupted } from '../src/errors.ts';
import { runCli } from './run-cli.ts';

const BASELINE = fileURLToPath(new URL('../../policy/examples/baseline.yaml', import.meta.url));
let cwd: string;
let env: NodeJS.ProcessEnv;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'sealpack-publish-'));
  env = { HOME: cwd, DOCKER_CONFIG: join(cwd, '.docker'), COSIGN_PASSWORD: 'publish' };
  await writeFile(join(cwd, 'parks.geojson'), '{"type":"FeatureCollection","features":[]}');
  await writeFile(
    join(cwd, 'parks.stac.json'),
    `${JSON.stringify({ type: 'Feature', stac_version: '1.1.0', id: 'parks', geometry: null, properties: { datetime: '2026-06-01T00:00:00Z' }, links: [], assets: { data: { href: './parks.geojson' } } }, null, 2)}\n`,
  );
  expect((await runCli(['generate-key-pair'], { cwd, env })).code).toBe(0);
});

const labels = ['-a', 'org.opencontainers.image.licenses=CC-BY-4.0', '-a', 'dev.sealpack.sensitivity=public'];

describe('sealpack publish', () => {
  it.each([
    ['an OCI layout', () => 'ocidir://lay:2026'],
    ['the real registry', () => `${inject('registries').anonymous.host}/${uniqueRepository()}:2026`],
  ])('in %s: push, sign, attest PROV and SBOM, gate, patch the catalog; a re-run skips what is there and ends in the same digests', async (_where, to) => {
    const destination = to();
    const args = ['publish', 'parks.geojson', '--to', destination, ...labels, '--key', 'cosign.key', '--tlog-upload=false', '--policy', BASELINE, '--stac', 'parks.stac.json', '--json'];
    const first = await runCli(args, { cwd, env });
    expect(first.code).toBe(0);
    const published = JSON.parse(first.stdout) as { reference: string; digest: string; referrers: Array<{ predicateType?: string }>; decision: { allow: boolean }; catalogs: string[] };
    expect(published.decision.allow).toBe(true);
    expect(published.referrers.map((r) => r.predicateType).sort()).toEqual(['https://sealpack.dev/attestation/prov/v1', 'https://sigstore.dev/cosign/sign/v1', 'https://spdx.dev/Document']);
    const stac = JSON.parse(await readFile(join(cwd, 'publish-evidence', 'parks.stac.json'), 'utf8'));
    expect(stac.assets.data.href).toMatch(new RegExp(`@${published.digest}#parks\\.geojson$`));
    expect(await readFile(join(cwd, 'publish-evidence', 'distribution.oci.json'), 'utf8')).toContain(published.digest);

    const provBefore = await readFile(join(cwd, 'publish-evidence', 'prov.jsonld'), 'utf8');
    const again = JSON.parse((await runCli(args, { cwd, env })).stdout) as typeof published;
    // The evidence beside it is still the attested PROV, not a newer copy the re-run would have made.
    expect(await readFile(join(cwd, 'publish-evidence', 'prov.jsonld'), 'utf8')).toBe(provBefore);
    expect(again.digest).toBe(published.digest);
    expect(again.referrers).toHaveLength(3);
    // And what was published verifies, by the consumer's commands.
    const verified = await runCli(['verify', published.reference, '--key', 'cosign.pub', '--insecure-ignore-tlog'], { cwd, env });
    expect(verified.code).toBe(0);
  });

  it('interrupted half-way on the real registry (its push done, its evidence not), a re-run finishes it: same digest, no evidence twice', async () => {
    const proxy = await startFaultProxy(inject('registries').anonymous.port);
    try {
      // Three repositories of one name length, so that every request is the same size in each.
      const [full, pushOnly, halfway] = ['pub-a', 'pub-b', 'pub-c'].map((name) => `${uniqueRepository(name)}:2026`);
      const args = (to: string, host = proxy.host) => ['publish', 'parks.geojson', '--to', `${host}/${to}`, ...labels, '--key', 'cosign.key', '--tlog-upload=false', '--json'];
      const sent = async (work: () => Promise<unknown>) => {
        const before = proxy.upstreamBytes;
        await work();
        return proxy.upstreamBytes - before;
      };
      const whole = await sent(async () => expect((await runCli(args(full as string), { cwd, env })).code).toBe(0));
      const pushed = await sent(async () => expect((await runCli(['push', `${proxy.host}/${pushOnly}`, 'parks.geojson', ...labels, '--reproducible'], { cwd, env })).code).toBe(0));
      // Stall the registry between the end of the push and the end of the publish, then interrupt there.
      proxy.stallAfter('upstream', Math.round((pushed + whole) / 2));
      const stop = new AbortController();
      void proxy.whenStalled().then(() => stop.abort(new Interrupted('SIGINT')));
      const interrupted = await runCli(args(halfway as string), { cwd, env, signal: stop.signal });
      expect(interrupted.code).toBe(130);
      const direct = inject('registries').anonymous.host;
      const ref = `${direct}/${(halfway as string).replace(/:2026$/, '')}`;
      const first = JSON.parse((await runCli(['resolve', `${direct}/${full}`, '--json'], { cwd, env })).stdout) as { digest: string };
      // Interrupted before the judge: nothing is pullable by name, and the evidence is incomplete.
      expect((await runCli(['resolve', `${ref}:2026`], { cwd, env })).code).not.toBe(0);
      const landed = await runCli(['discover', `${ref}@${first.digest}`, '--format', 'json'], { cwd, env });
      expect(landed.code).toBe(0);
      const before = (JSON.parse(landed.stdout) as { referrers: unknown[] }).referrers;
      expect(before.length).toBeLessThan(3);

      const resumed = await runCli(args(halfway as string, direct), { cwd, env });
      expect(resumed.code).toBe(0);
      const done = JSON.parse(resumed.stdout) as { digest: string; referrers: unknown[] };
      expect(done.digest).toBe(first.digest);
      expect(JSON.parse((await runCli(['resolve', `${ref}:2026`, '--json'], { cwd, env })).stdout)).toMatchObject({ digest: first.digest });
      expect(done.referrers).toHaveLength(3);
      expect((await runCli(['verify', `${ref}@${done.digest}`, '--key', 'cosign.pub', '--insecure-ignore-tlog'], { cwd, env })).code).toBe(0);
    } finally {
      await proxy.stop();
    }
  });

  it('a denied release is pushed and signed but enters no catalog (exit 1), and a restricted one never leaves for a public destination', async () => {
    const denied = await runCli(
      [
        'publish',
        'parks.geojson',
        '--to',
        'ocidir://lay:x',
        '-a',
        'org.opencontainers.image.licenses=GPL-3.0-only',
        '-a',
        'dev.sealpack.sensitivity=public',
        '--key',
        'cosign.key',
        '--tlog-upload=false',
        '--policy',
        BASELINE,
        '--stac',
        'parks.stac.json',
      ],
      { cwd, env, tty: true },
    );
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/push 100%/); // the bar, on a terminal
    expect(denied.stdout).toMatch(/^✘ license +GPL-3\.0-only is not within/m);
    expect(denied.stderr).toMatch(/denies sha256:[a-f0-9]+: license: GPL-3\.0-only is not within the allowed licenses .*; not tagged, no catalog patched/);
    // Nothing pullable by name: no tag, no "Published"; the untagged manifest and its referrers are named, and gone.
    expect(denied.stdout).not.toMatch(/Published/);
    const untagged = /not published: ocidir:\/\/\S+@(sha256:[a-f0-9]{64}) and the 3 referrer\(s\) this run attached \((sha256:[a-f0-9]{64}(?:, )?){3}\) were deleted; no tag names them/.exec(
      denied.stderr,
    );
    expect(untagged).not.toBeNull();
    expect((await runCli(['resolve', 'ocidir://lay:x'], { cwd, env })).code).not.toBe(0);
    expect((await runCli(['manifest', 'get', `ocidir://lay@${untagged?.[1]}`], { cwd, env })).code).not.toBe(0);
    await expect(readFile(join(cwd, 'publish-evidence', 'parks.stac.json'), 'utf8')).rejects.toThrow();

    await writeFile(join(cwd, 'destinations.yaml'), `${await readFile(BASELINE, 'utf8')}destinations:\n  public: ['**']\n  restricted: ['registry.internal/restricted/**']\n`);
    const leak = await runCli(['publish', 'parks.geojson', '--to', 'ocidir://public:x', '-a', 'dev.sealpack.sensitivity=restricted', '--key', 'cosign.key', '--policy', 'destinations.yaml'], {
      cwd,
      env,
    });
    expect(leak).toMatchObject({ code: 1, stderr: expect.stringMatching(/is not a destination for restricted artifacts/) });
    await expect(readFile(join(cwd, 'public', 'index.json'), 'utf8')).rejects.toThrow();
    expect(await runCli(['publish', '--to', 'ocidir://lay:x', '--key', 'cosign.key'], { cwd, env })).toMatchObject({ code: 2, stderr: expect.stringMatching(/at least one FILE/) });
  });
});

describe('open when safe, restricted when required', () => {
  it('a generalised derivative of a restricted layer goes public only with a trusted, signed declassification in its PROV; its catalog never names the original', async () => {
    const { createHash, createPublicKey } = await import('node:crypto');
    const keyId = createHash('sha256')
      .update(createPublicKey(await readFile(join(cwd, 'cosign.pub'), 'utf8')).export({ format: 'der', type: 'spki' }))
      .digest('base64');
    await writeFile(
      join(cwd, 'open-when-safe.yaml'),
      [
        'apiVersion: sealpack.dev/policy/v1',
        'kind: Policy',
        'metadata: { name: open-when-safe }',
        'rules:',
        '  - { id: signed, type: signatures, minimum: 1 }',
        '  - { id: inherits, type: sensitivityInheritance, declassifiers: [{ keyId: "KEYID" }] }',
        'destinations:',
        "  public: ['**']",
        "  restricted: ['ocidir://**/restricted']",
        '',
      ]
        .join('\n')
        .replace('KEYID', keyId),
    );
    await writeFile(join(cwd, 'sites.geojson'), '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[24.9384,60.1699]}}]}');
    await writeFile(join(cwd, 'sites-generalised.geojson'), '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[25,60]}}]}');
    const common = ['--key', 'cosign.key', '--tlog-upload=false', '--policy', 'open-when-safe.yaml', '--json'];
    const original = await runCli(['publish', 'sites.geojson', '--to', 'ocidir://restricted:v1', '-a', 'dev.sealpack.sensitivity=restricted', ...common, '--out', 'restricted-evidence'], { cwd, env });
    expect(original.code).toBe(0);
    const originalRef = (JSON.parse(original.stdout) as { reference: string }).reference;

    const derive = [
      'publish',
      'sites-generalised.geojson',
      '--to',
      'ocidir://public:v1',
      '-a',
      'dev.sealpack.sensitivity=public',
      '--derived-from',
      'ocidir://restricted:v1',
      '--stac',
      'parks.stac.json',
      ...common,
    ];
    // Without a declassifying activity, a derivative of restricted data is not even pushed where restricted data may not go.
    const undeclared = await runCli([...derive, '--out', 'undeclared'], { cwd, env });
    expect(undeclared.code).toBe(1);
    expect(JSON.parse(undeclared.stdout).error).toMatchObject({
      code: 'DESTINATION_DENIED',
      exitCode: 1,
      message: expect.stringMatching(/--derived-from ocidir:.*restricted@sha256:[a-f0-9]+ is restricted: ocidir:.*public is not a destination for restricted artifacts .*; nothing was pushed/),
    });
    await expect(readdir(join(cwd, 'public'))).rejects.toThrow();
    // Where its input may go, it is pushed, and the judge denies it on its signed PROV: labelled lower than its input.
    const inPlace = await runCli([...derive, '--to', 'ocidir://vault/restricted:v1', '--out', 'undeclared'], { cwd, env });
    expect(inPlace.code).toBe(1);
    const refused = JSON.parse(inPlace.stdout);
    expect(refused.error).toMatchObject({ code: 'POLICY_DENIED', exitCode: 1 });
    expect(refused.decision.violations).toMatchObject([{ id: 'inherits', message: expect.stringMatching(/lower than its inputs .*restricted.*no trusted declassification/) }]);
    expect(refused).toMatchObject({ published: false, untagged: { deleted: true } });
    expect((await runCli(['resolve', 'ocidir://vault/restricted:v1'], { cwd, env })).code).not.toBe(0);
    await expect(readFile(join(cwd, 'undeclared', 'parks.stac.json'), 'utf8')).rejects.toThrow();

    const declassified = await runCli([...derive, '--to', 'ocidir://public:v2', '--param', 'declassification=coordinates-generalised', '--param', 'grid_degrees=0.5', '--out', 'public-evidence'], {
      cwd,
      env,
    });
    expect(declassified.code).toBe(0);
    expect(JSON.parse(declassified.stdout).decision).toMatchObject({ allow: true });
    const prov = await readFile(join(cwd, 'public-evidence', 'prov.jsonld'), 'utf8');
    expect(prov).toContain(originalRef);
    expect(JSON.parse(prov)['@graph'][0].parameter).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'declassification', value: 'coordinates-generalised' }), expect.objectContaining({ key: 'grid_degrees', value: '0.5' })]),
    );
    const catalog = await readFile(join(cwd, 'public-evidence', 'parks.stac.json'), 'utf8');
    expect(catalog).toContain('ocidir://');
    expect(catalog).not.toContain(originalRef.slice(-64));
    expect(catalog).not.toContain('restricted');
    // The gate on the consumer's side reads the input's label the same way.
    const checked = await runCli(['policy', 'check', 'ocidir://public:v2', '--policy', 'open-when-safe.yaml', '--key', 'cosign.pub', '--insecure-ignore-tlog'], { cwd, env });
    expect(checked.code).toBe(0);
  });
});

describe('sealpack verify, the consumer side', () => {
  it.each([
    ['an OCI layout', () => 'ocidir://lay:2026'],
    ['the real registry', () => `${inject('registries').anonymous.host}/${uniqueRepository()}:2026`],
  ])('in %s: verifies, gates and pulls a publication; refuses an unsigned one and a tampered blob with exit 1, writing nothing', async (where, to) => {
    const destination = to();
    // Bytes of this test's own: the tamper below must not touch a blob another test shares in the registry.
    const content = JSON.stringify({ type: 'FeatureCollection', features: [], id: (await import('node:crypto')).randomUUID() });
    await writeFile(join(cwd, 'parks.geojson'), content);
    const published = JSON.parse((await runCli(['publish', 'parks.geojson', '--to', destination, ...labels, '--key', 'cosign.key', '--tlog-upload=false', '--json'], { cwd, env })).stdout) as {
      reference: string;
    };
    const consumer = ['--key', 'cosign.pub', '--insecure-ignore-tlog', '--policy', BASELINE, '--pull', 'received'];
    const ok = await runCli(['verify', published.reference, ...consumer, '--json'], { cwd, env });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ verified: true, decision: { allow: true }, pulled: [{ path: join(cwd, 'received', 'parks.geojson') }] });
    expect(await readFile(join(cwd, 'received', 'parks.geojson'), 'utf8')).toBe(content);

    const unsignedRef = destination.replace(':2026', ':unsigned');
    expect((await runCli(['push', unsignedRef, 'parks.geojson', ...labels, '-a', 'x=unsigned'], { cwd, env })).code).toBe(0);
    const unsigned = await runCli(['verify', unsignedRef, ...consumer.slice(0, -1), 'unsigned-out'], { cwd, env });
    expect(unsigned).toMatchObject({ code: 1, stderr: expect.stringMatching(/no signatures attached.*\[NO_SIGNATURES\]/) });
    await expect(readFile(join(cwd, 'unsigned-out', 'parks.geojson'))).rejects.toThrow();

    // One blob's bytes changed where they are kept, under the same name (the layout's blobs/, the
    // registry's storage driver): the signature still verifies (the manifest is intact), the pull does not.
    const hex = (await import('node:crypto')).createHash('sha256').update(content).digest('hex');
    const blobFile =
      where === 'an OCI layout' ? join(cwd, 'lay', 'blobs', 'sha256', hex) : join(inject('registries').anonymous.storage, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    await writeFile(blobFile, content.replace('[]', '[1]'));
    const tampered = await runCli(['verify', published.reference, ...consumer.slice(0, -1), 'tampered-out'], { cwd, env });
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/digest|sha256/i);
    await expect(readFile(join(cwd, 'tampered-out', 'parks.geojson'))).rejects.toThrow();
  });
});

describe('sealpack publish --config sealpack.yaml', () => {
  it('takes its settings from the file, flags winning, and names the line of a mistake', async () => {
    await writeFile(
      join(cwd, 'sealpack.yaml'),
      [
        'apiVersion: sealpack.dev/publish/v1',
        'kind: Publish',
        'files: [parks.geojson]',
        'to: ocidir://from-config:2026',
        'annotations:',
        '  org.opencontainers.image.licenses: CC-BY-4.0',
        '  dev.sealpack.sensitivity: public',
        'key: cosign.key',
        'tlogUpload: false',
        `policy: ${BASELINE}`,
        'stac: [parks.stac.json]',
        'out: configured-evidence',
        '',
      ].join('\n'),
    );
    const fromFile = await runCli(['publish', '--config', 'sealpack.yaml', '--json'], { cwd, env });
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ reference: expect.stringMatching(/from-config@sha256:/), decision: { allow: true } });
    expect(await readFile(join(cwd, 'configured-evidence', 'parks.stac.json'), 'utf8')).toContain('from-config@sha256:');
    const overridden = await runCli(['publish', '--config', 'sealpack.yaml', '--to', 'ocidir://from-flag:2026', '--json'], { cwd, env });
    expect(JSON.parse(overridden.stdout)).toMatchObject({ reference: expect.stringMatching(/from-flag@sha256:/) });

    await writeFile(join(cwd, 'bad.yaml'), 'apiVersion: sealpack.dev/publish/v1\nkind: Publish\nfiles: parks.geojson\n');
    expect(await runCli(['publish', '--config', 'bad.yaml'], { cwd, env })).toMatchObject({ code: 2, stderr: expect.stringMatching(/bad\.yaml:3:8: files: /) });
  });

  it('publishes each of its artifacts: with the shared key and policy, and checks every destination before the first push', async () => {
    await writeFile(join(cwd, 'raw.csv'), 'id,name\n1,Kaivopuisto\n');
    const config = (second: string) =>
      [
        'apiVersion: sealpack.dev/publish/v1',
        'kind: Publish',
        'key: cosign.key',
        'tlogUpload: false',
        'policy: destinations.yaml',
        'annotations: { org.opencontainers.image.licenses: CC-BY-4.0 }',
        'artifacts:',
        '  - { name: parks, to: "ocidir://multi-parks:1", files: [parks.geojson], annotations: { dev.sealpack.sensitivity: public }, stac: [parks.stac.json] }',
        `  - { name: raw, to: "${second}", files: [raw.csv], annotations: { dev.sealpack.sensitivity: restricted } }`,
        '',
      ].join('\n');
    await writeFile(join(cwd, 'destinations.yaml'), `${await readFile(BASELINE, 'utf8')}destinations:\n  public: ['**']\n  restricted: ['ocidir://**/restricted-*']\n`);
    // The second artifact may not go where it is sent: refused before the first one is pushed.
    await writeFile(join(cwd, 'leaky.yaml'), config('ocidir://multi-raw:1'));
    expect(await runCli(['publish', '--config', 'leaky.yaml'], { cwd, env })).toMatchObject({ code: 1, stderr: expect.stringMatching(/multi-raw is not a destination for restricted artifacts/) });
    await expect(readFile(join(cwd, 'multi-parks', 'index.json'))).rejects.toThrow();

    await writeFile(join(cwd, 'two.yaml'), config('ocidir://restricted-raw:1'));
    const both = await runCli(['publish', '--config', 'two.yaml', '--env', 'staging', '--json'], { cwd, env });
    expect(both.code).toBe(0);
    const published = JSON.parse(both.stdout) as { artifacts: Array<{ name: string; reference: string; evidence: string; decision: { allow: boolean } }> };
    expect(published.artifacts.map((a) => [a.name, a.decision.allow])).toEqual([
      ['parks', true],
      ['raw', true],
    ]);
    expect(published.artifacts[1]?.reference).toMatch(/restricted-raw@sha256:/);
    expect(published.artifacts.map((a) => a.evidence)).toEqual([join(cwd, 'publish-evidence', 'parks'), join(cwd, 'publish-evidence', 'raw')]);
    expect(await readFile(join(cwd, 'publish-evidence', 'parks', 'parks.stac.json'), 'utf8')).toContain('multi-parks@sha256:');
    expect(await runCli(['publish', 'raw.csv', '--config', 'two.yaml'], { cwd, env })).toMatchObject({ code: 2, stderr: expect.stringMatching(/FILE operands and --to would be ambiguous/) });
  });
});
