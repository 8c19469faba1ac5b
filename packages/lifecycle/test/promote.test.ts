import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { uniqueRepository } from '@sealpack/test-registry';
import { bytesSource, type Descriptor, openTarget, packLayers, parseReference, pushPacked, sha256Of, type Target } from '@sealpack/oci-client';
import { parsePolicy } from '@sealpack/policy';
import { buildProvDocument, PREDICATE } from '@sealpack/provenance';
import { attestManifest, keySigner, signManifest } from '@sealpack/signing';
import { applyGc, parseLifecycleConfig, parseRetention, planGc, promote, promotionHistory, rollback } from '../src/index.ts';
import { verifyAttached } from '@sealpack/signing/verify';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const registries = inject('registries');
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer = keySigner(privateKey);
const verifyPolicy = { publicKey, ignoreTlog: true };
const policy = parsePolicy(readFileSync(new URL('../../policy/examples/baseline.yaml', import.meta.url), 'utf8'), 'baseline.yaml');
const config = parseLifecycleConfig(readFileSync(new URL('../examples/environments.yaml', import.meta.url), 'utf8'));
let clock = Date.parse('2026-12-04T10:00:00Z');
const now = () => {
  clock += 60_000;
  return new Date(clock);
};

/** Publishes a version: signed and PROV-attested unless `unsigned`, licensed and labelled. */
async function publish(target: Target, name: string, version: string, options: { unsigned?: boolean; annotations?: Record<string, string> } = {}): Promise<Descriptor> {
  const bytes = new TextEncoder().encode(`${version} of the parks`);
  const artifact = packLayers(
    [
      {
        descriptor: { mediaType: 'application/geo+json', digest: sha256Of(bytes), size: bytes.byteLength, annotations: { 'org.opencontainers.image.title': 'parks.geojson' } },
        source: bytesSource(bytes),
      },
    ],
    {
      created: null,
      annotations: { 'org.opencontainers.image.version': version, 'org.opencontainers.image.licenses': 'CC-BY-4.0', 'dev.sealpack.sensitivity': 'public', ...options.annotations },
    },
  );
  await pushPacked(target, artifact, { tag: version });
  const subject = artifact.descriptor;
  if (options.unsigned === true) return subject;
  await signManifest(target, subject, { signer, subjectName: name });
  const prov = buildProvDocument({
    runId: version,
    startedAt: '2026-12-04T09:00:00Z',
    endedAt: '2026-12-04T09:00:00Z',
    outputs: [{ ref: `oci://${name}@${subject.digest}`, mediaType: subject.mediaType, size: subject.size }],
    toolchain: [{ name: 'sealpack', version: '0.1.0' }],
  });
  await attestManifest(target, subject, { signer, subjectName: name, predicateType: 'https://sealpack.dev/attestation/prov/v1', predicate: new TextEncoder().encode(JSON.stringify(prov)) });
  return subject;
}

describe('verify-then-promote on the real registry', () => {
  it('promotes v1 dev→staging→prod, refuses an unsigned v3 writing nothing, promotes v2, rolls prod back to v1; history shows all of it', async () => {
    const name = `${registries.anonymous.host}/${uniqueRepository()}`;
    const target = openTarget(parseReference(name));
    const v1 = await publish(target, name, '1.0.0');
    const v2 = await publish(target, name, '2.0.0');
    const v3 = await publish(target, name, '3.0.0', { unsigned: true });
    const base = { config, policy, source: target, destination: target, destinationName: name, sameRepository: true, verifyPolicy, signer, pinned: true, now };
    const go = (subject: Descriptor, env: string) => promote({ ...base, subject, reference: `${name}@${subject.digest}`, environment: env });

    // prod takes only what staging had.
    await expect(go(v1, 'prod')).rejects.toMatchObject({ code: 'NOT_PROMOTED_FROM', kind: 'verification' });
    for (const env of ['dev', 'staging', 'prod']) expect(await go(v1, env)).toMatchObject({ tag: env === 'prod' ? 'prod' : env === 'dev' ? '1.0.0-dev' : '1.0.0-rc', decision: { allow: true } });
    expect((await target.resolve('prod')).digest).toBe(v1.digest);

    const tagsBefore = (await target.tags()).sort();
    const refused = await go(v3, 'dev').catch((error: unknown) => error as { code: string; message: string; decision?: { violations: Array<{ id: string }> } });
    expect(refused).toMatchObject({ code: 'PROMOTION_DENIED', message: expect.stringMatching(/signed: needs 1 valid signature/) });
    expect(refused.decision?.violations.map((v) => v.id)).toEqual(['signed', 'provenance']);
    expect((await target.tags()).sort()).toEqual(tagsBefore);

    for (const env of ['dev', 'staging', 'prod']) await go(v2, env);
    expect((await target.resolve('prod')).digest).toBe(v2.digest);
    const back = await rollback({ config, policy, environment: 'prod', target, repositoryName: name, verifyPolicy, signer, now });
    expect(back.digest).toBe(v1.digest);
    expect((await target.resolve('prod')).digest).toBe(v1.digest);

    const prod = await promotionHistory(target, verifyPolicy, { environment: 'prod' });
    expect(prod.map((h) => [h.digest, h.rollback])).toEqual([
      [v1.digest, true],
      [v2.digest, false],
      [v1.digest, false],
    ]);
    const all = await promotionHistory(target, verifyPolicy);
    expect(all).toHaveLength(7);
    expect(all.every((h) => h.signer?.startsWith('key '))).toBe(true);
    // Under another key the records are not history.
    expect(await promotionHistory(target, { publicKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, ignoreTlog: true })).toEqual([]);
    await expect(rollback({ config, policy, environment: 'prod', target, repositoryName: name, verifyPolicy, signer, to: v3.digest })).rejects.toMatchObject({ code: 'NOT_PROMOTED_FROM' });
    await expect(rollback({ config, policy, environment: 'dev', target, repositoryName: name, verifyPolicy, signer })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });

    // Retention: keep what reached prod; the never-promoted v3 goes, with nothing left dangling.
    const retention = parseRetention('apiVersion: sealpack.dev/retention/v1\nkind: Retention\nkeep:\n  environments: [prod]\n');
    const plan = await planGc(target, retention, { verifyPolicy });
    expect(plan.remove.map((e) => e.digest)).toEqual([v3.digest]);
    expect(plan.keep.map((e) => e.keptBecause[0])).toEqual(['promoted to prod', 'promoted to prod']);
    const removed = await applyGc(target, plan);
    expect(removed.manifests).toBe(1);
    await expect(target.resolve('3.0.0')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    for (const kept of [v1, v2]) {
      expect((await verifyAttached(target, kept, verifyPolicy)).some((v) => v.valid)).toBe(true);
      expect((await promotionHistory(target, verifyPolicy)).some((h) => h.digest === kept.digest)).toBe(true);
    }
    expect((await planGc(target, retention, { verifyPolicy })).remove).toEqual([]);
    const lastOne = await planGc(target, parseRetention('apiVersion: sealpack.dev/retention/v1\nkind: Retention\nkeep:\n  lastPerEnvironment: 1\n'), { verifyPolicy });
    expect(lastOne.keep.find((e) => e.digest === v1.digest)?.keptBecause).toEqual(['one of the last 1 in prod']);
    expect(lastOne.keep.find((e) => e.digest === v2.digest)?.keptBecause).toEqual(expect.arrayContaining(['one of the last 1 in staging', 'one of the last 1 in dev']));
  });

  it('garbage-collects an OCI layout: the artifact, its referrers, and the blobs nothing references any more', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sealpack-gc-'));
    const layout = join(dir, 'lay');
    const target = openTarget(parseReference(`ocidir://${layout}`));
    const old = await publish(target, 'lay', '0.9.0');
    const kept = await publish(target, 'lay', '1.0.0');
    const retention = parseRetention('apiVersion: sealpack.dev/retention/v1\nkind: Retention\nkeep:\n  tags: ["1.*"]\n');
    const plan = await planGc(target, retention, { verifyPolicy });
    expect(plan.remove).toEqual([expect.objectContaining({ digest: old.digest, tags: ['0.9.0'], referrers: expect.arrayContaining([expect.any(String), expect.any(String)]) })]);
    const blobsBefore = (await readdir(join(layout, 'blobs', 'sha256'))).length;
    const result = await applyGc(target, plan, { layoutPath: layout });
    expect(result.manifests).toBe(3);
    expect(result.blobs).toBeGreaterThan(0);
    expect((await readdir(join(layout, 'blobs', 'sha256'))).length).toBe(blobsBefore - result.manifests - result.blobs);
    expect((await verifyAttached(target, kept, verifyPolicy)).some((v) => v.valid)).toBe(true);
    expect(await target.tags()).toEqual(['1.0.0']);
    expect(() => parseRetention('apiVersion: sealpack.dev/retention/v1\nkind: Retention\nkeep:\n  youngerThanDays: -1\n', 'r.yaml')).toThrow(/r\.yaml:4:20: keep\.youngerThanDays/);
  });

  it('never moves a release tag, and copies with every referrer when the environment lives elsewhere', async () => {
    const name = `${registries.anonymous.host}/${uniqueRepository()}`;
    const prodName = `${registries.anonymous.host}/${uniqueRepository('prod')}`;
    const source = openTarget(parseReference(name));
    const prodTarget = openTarget(parseReference(prodName));
    const releases = parseLifecycleConfig(`apiVersion: sealpack.dev/lifecycle/v1\nkind: Environments\npolicy: x\nenvironments:\n  release:\n    tag: 'v{version}'\n    repository: ${prodName}\n`);
    const v1 = await publish(source, name, '1.0.0');
    const again = await publish(source, name, '1.0.0-other');
    const base = { config: releases, policy, source, destination: prodTarget, destinationName: prodName, sameRepository: false, verifyPolicy, signer, pinned: true, now, environment: 'release' };
    expect(await promote({ ...base, subject: v1, reference: `${name}@${v1.digest}` })).toMatchObject({ tag: 'v1.0.0', copied: true });
    // The copy keeps the signature and PROV (gate passes there too) and gains the record.
    expect((await prodTarget.referrers(v1)).length).toBe(3);
    await expect(promote({ ...base, subject: again, reference: `${name}@${again.digest}`, version: '1.0.0' })).rejects.toMatchObject({
      code: 'IMMUTABLE_TAG',
      message: expect.stringMatching(/v1\.0\.0 is a release tag and already points at/),
    });
    expect((await prodTarget.resolve('v1.0.0')).digest).toBe(v1.digest);
    // The same digest again is no move: allowed.
    expect(await promote({ ...base, subject: v1, reference: `${name}@${v1.digest}` })).toMatchObject({ tag: 'v1.0.0' });

    // An environment that accepts schema 2.x refuses a 3.0.0 artifact before writing anything.
    const platform = parseLifecycleConfig(
      `apiVersion: sealpack.dev/lifecycle/v1\nkind: Environments\npolicy: x\nlockSettleMs: 0\nenvironments:\n  prod:\n    tag: 'platform-{version}'\n    acceptSchema: '2'\n`,
    );
    const v3 = await publish(source, name, '3.0.0', { annotations: { 'dev.sealpack.schema-version': '3.0.0' } });
    const v2 = await publish(source, name, '2.5.0', { annotations: { 'dev.sealpack.schema-version': '2.5.0' } });
    const platformBase = { ...base, config: platform, destination: source, destinationName: name, sameRepository: true, environment: 'prod' };
    await expect(promote({ ...platformBase, subject: v3, reference: `${name}@${v3.digest}` })).rejects.toMatchObject({ code: 'SCHEMA_INCOMPATIBLE' });
    await expect(source.resolve('platform-3.0.0')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await promote({ ...platformBase, subject: v2, reference: `${name}@${v2.digest}` })).toMatchObject({ tag: 'platform-2.5.0' });

    // gc on the registry: the removed artifact takes its signature, attestation and fallback referrers index with it.
    const fallbackTag = `sha256-${again.digest.slice(7)}`;
    expect(await source.tags()).toContain(fallbackTag);
    const plan = await planGc(source, parseRetention('apiVersion: sealpack.dev/retention/v1\nkind: Retention\nkeep:\n  tags: ["1.0.0", "2.*", "3.*", "platform-*"]\n'), { verifyPolicy });
    expect(plan.remove).toEqual([expect.objectContaining({ digest: again.digest, referrers: [expect.any(String), expect.any(String)] })]);
    expect(await applyGc(source, plan)).toEqual({ manifests: 3, blobs: 0 });
    expect(await source.tags()).not.toContain(fallbackTag);
    expect(await source.tags()).not.toContain('1.0.0-other');
    expect((await verifyAttached(source, v1, verifyPolicy)).some((v) => v.valid)).toBe(true);
    expect(await source.referrers(v1)).toHaveLength(2);
  });

  it('a rollback is a promotion: it refuses a revoked artifact, and one the policy now denies, with every reason, writing nothing', async () => {
    const name = `${registries.anonymous.host}/${uniqueRepository()}`;
    const target = openTarget(parseReference(name));
    const live = parseLifecycleConfig('apiVersion: sealpack.dev/lifecycle/v1\nkind: Environments\npolicy: x\nlockSettleMs: 0\nenvironments:\n  live:\n    tag: live\n');
    const v1 = await publish(target, name, '1.0.0');
    const v2 = await publish(target, name, '2.0.0');
    const v3 = await publish(target, name, '3.0.0');
    const base = { config: live, policy, source: target, destination: target, destinationName: name, sameRepository: true, verifyPolicy, signer, pinned: true, now, environment: 'live' };
    for (const subject of [v1, v2, v3]) await promote({ ...base, subject, reference: `${name}@${subject.digest}` });
    expect((await target.resolve('live')).digest).toBe(v3.digest);
    const back = (options: { to?: string; policy?: typeof policy } = {}) =>
      rollback({
        config: live,
        policy: options.policy ?? policy,
        environment: 'live',
        target,
        repositoryName: name,
        verifyPolicy,
        signer,
        now,
        ...(options.to === undefined ? {} : { to: options.to }),
      });

    // v2 is withdrawn by its signer: rolling back onto it is refused, and live stays where it is.
    await attestManifest(target, v2, {
      signer,
      subjectName: name,
      predicateType: PREDICATE.revocation,
      predicate: new TextEncoder().encode(JSON.stringify({ reason: 'wrong park boundaries', revokedAt: '2026-12-04T12:00:00Z' })),
    });
    const tagsBefore = (await target.tags()).sort();
    await expect(back()).rejects.toMatchObject({ code: 'PROMOTION_DENIED', message: expect.stringMatching(/not-revoked: revoked by key .*: wrong park boundaries/) });
    expect((await target.resolve('live')).digest).toBe(v3.digest);
    expect((await target.tags()).sort()).toEqual(tagsBefore);

    // v1 under a policy that now wants another licence and a label it lacks: every reason is named.
    const stricter = parsePolicy(
      'apiVersion: sealpack.dev/policy/v1\nkind: Policy\nmetadata: { name: stricter }\nrules:\n  - { id: signed, type: signatures }\n  - { id: license, type: license, allow: [MIT] }\n  - { id: annotated, type: requiredAnnotations, keys: [dev.sealpack.rights-holder] }\n',
      'stricter.yaml',
    );
    const refused = (await back({ to: v1.digest, policy: stricter }).then(
      () => undefined,
      (error: unknown) => error,
    )) as { code: string; message: string; decision?: { violations: Array<{ id: string }> } };
    expect(refused).toMatchObject({ code: 'PROMOTION_DENIED', message: expect.stringMatching(/license: CC-BY-4\.0 is not within the allowed licenses .*; annotated: missing annotations/) });
    expect(refused.decision?.violations.map((v) => v.id)).toEqual(['license', 'annotated']);
    expect((await target.resolve('live')).digest).toBe(v3.digest);
    // Under the policy it was promoted with, v1 is still fine.
    expect(await back({ to: v1.digest })).toMatchObject({ digest: v1.digest });
  });

  it('reads a config strictly and says where it is wrong', () => {
    expect(() => parseLifecycleConfig('apiVersion: sealpack.dev/lifecycle/v1\nkind: Environments\npolicy: p\nenvironments:\n  prod:\n    tag: prod\n    from: staging\n', 'envs.yaml')).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringMatching(/^envs\.yaml:7:11: environments\.prod\.from: no environment staging/) }),
    );
    expect(() => parseLifecycleConfig('apiVersion: v0\n', 'envs.yaml')).toThrow(/envs\.yaml:1:13: apiVersion/);
    expect(() => parseLifecycleConfig('a: [', 'envs.yaml')).toThrow(/envs\.yaml:1:\d+: /);
  });
});
