// Signing issue targets: offline verification throughput of key-signed bundles (target >= 1,000/s,
// one process, in memory), and `sealpack verify` of one artifact with one key-signed bundle in an
// OCI layout, offline, end to end from process start to exit (target < 400 ms; median of 7).
// `./run bench --only verify`.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesSource, openTarget, packLayers, parseReference, pushPacked, sha256Of, type Descriptor } from '@sealpack/oci-client';
import { attachedBundles, keySigner, signManifest, verifyBundleWithKey } from '@sealpack/signing';
import { sealpack, type Measured } from './measure.ts';

const BUNDLES = 200;
const ROUNDS = 10;

const work = await mkdtemp(join(tmpdir(), 'sealpack-verify-bench-'));
try {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const target = openTarget(parseReference(`ocidir://${join(work, 'lay')}`));
  const bytes = new TextEncoder().encode('deliverable');
  const artifact = packLayers([{ descriptor: { mediaType: 'text/plain', digest: sha256Of(bytes), size: bytes.byteLength }, source: bytesSource(bytes) }], { created: null });
  await pushPacked(target, artifact, { tag: 'v1' });
  const subject: Descriptor = artifact.descriptor;
  for (let i = 0; i < BUNDLES; i++) await signManifest(target, subject, { signer: keySigner(privateKey), subjectName: `bench/${i}` });
  const bundles = (await attachedBundles(target, subject)).map((b) => b.bytes);

  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) for (const bundle of bundles) verifyBundleWithKey(bundle, subject, { publicKey, ignoreTlog: true });
  const perSecond = (bundles.length * ROUNDS) / ((performance.now() - started) / 1000);

  // One artifact with one bundle, through the CLI as a user runs it.
  const single = openTarget(parseReference(`ocidir://${join(work, 'one')}`));
  await pushPacked(single, artifact, { tag: 'v1' });
  await signManifest(single, subject, { signer: keySigner(privateKey), subjectName: 'bench/one' });
  await writeFile(join(work, 'cosign.pub'), publicKey.export({ format: 'pem', type: 'spki' }).toString());
  const runs: Measured[] = [];
  for (let i = 0; i < 7; i++) runs.push(await sealpack(['verify', 'ocidir://one:v1', '--key', 'cosign.pub', '--insecure-ignore-tlog'], work));
  const median = [...runs].sort((a, b) => a.seconds - b.seconds)[3] as Measured;
  const version: Measured[] = [];
  for (let i = 0; i < 7; i++) version.push(await sealpack(['--version'], work));
  const versionMedian = [...version].sort((a, b) => a.seconds - b.seconds)[3] as Measured;

  process.stdout.write(
    [
      '',
      `offline verification of key-signed bundles  ${perSecond.toFixed(0)} bundles/s (${bundles.length * ROUNDS} verified; target >= 1,000/s)`,
      `sealpack verify, one bundle, end to end     ${(median.seconds * 1000).toFixed(0)} ms median of 7 (CPU ${((median.cpuSeconds ?? 0) * 1000).toFixed(0)} ms; target < 400 ms)`,
      `sealpack --version                          ${(versionMedian.seconds * 1000).toFixed(0)} ms median of 7 (target < 150 ms)`,
      '',
    ].join('\n'),
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
