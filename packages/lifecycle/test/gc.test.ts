import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { uniqueRepository } from '@sealpack/test-registry';
import { bytesSource, type Descriptor, openTarget, packLayers, parseReference, pushPacked, sha256Of, type Target } from '@sealpack/oci-client';
import { parsePolicy } from '@sealpack/policy';
import { keySigner, signManifest } from '@sealpack/signing';
import { applyGc, historyLostByDeleting, parseLifecycleConfig, parseRetention, planGc, promote, promotionHistory } from '../src/index.ts';

const registries = inject('registries');
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer = keySigner(privateKey);
const verifyPolicy = { publicKey, ignoreTlog: true };
const policy = parsePolicy('apiVersion: sealpack.dev/policy/v1\nkind: Policy\nmetadata:\n  name: signed\nrules:\n  - id: signed\n    type: signatures\n    minimum: 1\n', 'signed.yaml');
const config = parseLifecycleConfig('apiVersion: sealpack.dev/lifecycle/v1\nkind: Environments\npolicy: signed.yaml\nlockSettleMs: 0\nenvironments:\n  prod:\n    tag: prod\n');
const lastOnly = parseRetention('apiVersion: sealpack.dev/retention/v1\nkind: Retention\nkeep:\n  lastPerEnvironment: 1\n');
let clock = Date.parse('2026-12-04T10:00:00Z');
const now = () => {
  clock += 60_000;
  return new Date(clock);
};

/** A signed version, tagged with its version. */
async function publish(target: Target, name: string, version: string): Promise<Descriptor> {
  const bytes = new TextEncoder().encode(`${version} of the roads`);
  const artifact = packLayers([{ descriptor: { mediaType: 'application/geo+json', digest: sha256Of(bytes), size: bytes.byteLength }, source: bytesSource(bytes) }], {
    created: null,
    annotations: { 'org.opencontainers.image.version': version, 'dev.sealpack.sensitivity': 'public' },
  });
  await pushPacked(target, artifact, { tag: version });
  await signManifest(target, artifact.descriptor, { signer, subjectName: name });
  return artifact.descriptor;
}

/** v1 then v2 promoted to prod (a moving tag): v1 is history, no longer the latest. */
async function promotedTwice(name: string, target: Target): Promise<{ v1: Descriptor; v2: Descriptor }> {
  const v1 = await publish(target, name, '1.0.0');
  const v2 = await publish(target, name, '2.0.0');
  for (const subject of [v1, v2]) {
    await promote({
      config,
      policy,
      environment: 'prod',
      source: target,
      subject,
      reference: `${name}@${subject.digest}`,
      pinned: true,
      destination: target,
      destinationName: name,
      sameRepository: true,
      verifyPolicy,
      signer,
      now,
    });
  }
  return { v1, v2 };
}

describe('gc keeps the promotion history', () => {
  it('never deletes a digest the history names: after gc keeping only the latest, history still lists both promotions', async () => {
    const name = `${registries.anonymous.host}/${uniqueRepository()}`;
    const target = openTarget(parseReference(name));
    const { v1, v2 } = await promotedTwice(name, target);
    await applyGc(target, await planGc(target, lastOnly, { verifyPolicy }));
    expect((await promotionHistory(target, verifyPolicy)).map((h) => h.digest)).toEqual([v2.digest, v1.digest]);
  });

  it('keeps an artifact whose promotion records do not verify under the key given: a wrong --key erases nothing', async () => {
    const name = `${registries.anonymous.host}/${uniqueRepository()}`;
    const target = openTarget(parseReference(name));
    const { v1 } = await promotedTwice(name, target);
    const otherKey = { publicKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, ignoreTlog: true };
    const plan = await planGc(target, lastOnly, { verifyPolicy: otherKey });
    expect(plan.remove).toEqual([]);
    expect(plan.keep.find((e) => e.digest === v1.digest)?.keptBecause).toEqual(['1 promotion record(s) that do not verify under this key']);
  });

  it('with includeHistory the plan names the history each removal loses, and applying it without an archive deletes nothing', async () => {
    const name = `${registries.anonymous.host}/${uniqueRepository()}`;
    const target = openTarget(parseReference(name));
    const { v1, v2 } = await promotedTwice(name, target);
    const kept = await planGc(target, lastOnly, { verifyPolicy });
    expect(kept.keep.find((e) => e.digest === v1.digest)?.keptBecause).toEqual(['named in the history of prod']);
    const plan = await planGc(target, lastOnly, { verifyPolicy, includeHistory: true });
    expect(plan.remove).toEqual([
      expect.objectContaining({ digest: v1.digest, history: [expect.objectContaining({ environment: 'prod', tag: 'prod', digest: v1.digest, rollback: false })], unverifiedRecords: [] }),
    ]);
    await expect(applyGc(target, plan)).rejects.toMatchObject({ code: 'HISTORY_NOT_ARCHIVED', kind: 'input' });
    // A plan made before a promotion does not cover its record: plan again.
    await expect(
      applyGc(
        target,
        { keep: [], remove: [{ ...plan.remove[0]!, history: [] }] },
        { archive: { target: openTarget(parseReference(`ocidir://${await mkdtemp(join(tmpdir(), 'sealpack-archive-'))}`)), name: 'a' } },
      ),
    ).rejects.toMatchObject({ code: 'STALE_PLAN' });
    expect((await promotionHistory(target, verifyPolicy)).map((h) => h.digest)).toEqual([v2.digest, v1.digest]);
  });

  it('archives to an OCI layout with every referrer, verifies it there, and only then deletes; history read from the archive verifies', async () => {
    const name = `${registries.anonymous.host}/${uniqueRepository()}`;
    const target = openTarget(parseReference(name));
    const { v1, v2 } = await promotedTwice(name, target);
    const referrers = (await target.referrers(v1)).map((r) => r.digest).sort();
    expect(referrers).toHaveLength(2); // its signature and its promotion record
    const archive = openTarget(parseReference(`ocidir://${join(await mkdtemp(join(tmpdir(), 'sealpack-archive-')), 'history')}`));
    const plan = await planGc(target, lastOnly, { verifyPolicy, includeHistory: true });
    expect(await applyGc(target, plan, { archive: { target: archive, name: 'the archive' } })).toEqual({ manifests: 3, blobs: 0 });
    await expect(target.resolve(v1.digest)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await archive.resolve('1.0.0')).digest).toBe(v1.digest);
    expect((await archive.referrers(v1)).map((r) => r.digest).sort()).toEqual(referrers);
    expect(await promotionHistory(archive, verifyPolicy)).toEqual([expect.objectContaining({ digest: v1.digest, environment: 'prod', signer: expect.stringMatching(/^key /) })]);
    expect((await promotionHistory(target, verifyPolicy)).map((h) => h.digest)).toEqual([v2.digest]);
  });

  it('deletes nothing when the archive cannot be written', async () => {
    const name = `${registries.anonymous.host}/${uniqueRepository()}`;
    const target = openTarget(parseReference(name));
    const { v1, v2 } = await promotedTwice(name, target);
    const unreachable = openTarget(parseReference('127.0.0.1:1/archive'), { plainHttp: true });
    const plan = await planGc(target, lastOnly, { verifyPolicy, includeHistory: true });
    await expect(applyGc(target, plan, { archive: { target: unreachable, name: '127.0.0.1:1/archive' } })).rejects.toMatchObject({ kind: 'transport' });
    expect((await promotionHistory(target, verifyPolicy)).map((h) => h.digest)).toEqual([v2.digest, v1.digest]);
    expect(await target.referrers(v1)).toHaveLength(2);
  });

  it('names the history a single deletion would lose: records attached to an artifact, and a record itself', async () => {
    const name = `${registries.anonymous.host}/${uniqueRepository()}`;
    const target = openTarget(parseReference(name));
    const { v1 } = await promotedTwice(name, target);
    const [record] = (await promotionHistory(target, verifyPolicy)).filter((h) => h.digest === v1.digest);
    expect(await historyLostByDeleting(target, v1)).toEqual([record?.record]);
    expect(await historyLostByDeleting(target, await target.resolve(record?.record ?? ''))).toEqual([record?.record]);
  });
});
