// Signing issue targets: offline verification throughput of key-signed bundles (target >= 1,000/s,
// one process, in memory), and `sealpack verify` of one artifact with one key-signed bundle in an
// OCI layout, offline, end to end from process start to exit (target < 400 ms; median of 7).
// `./run bench --only verify`.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesSource, openTarget, packLayers, parseReference, pushPacked, sha256Of, type Descriptor } from '@sealpack/oci-client';
import { attachedBundles, keySigner, signManifest, verifyBundle } from '@sealpack/signing';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { bin } from './measure.ts';

const run = promisify(execFile);

/** Wall time of the installed bin, from process start to exit, in ms. */
async function timeBin(args: string[], cwd: string): Promise<number> {
  const started = performance.now();
  await run(bin, args, { cwd });
  return performance.now() - started;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

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
  for (let round = 0; round < ROUNDS; round++) for (const bundle of bundles) verifyBundle(bundle, subject, { publicKey, ignoreTlog: true });
  const perSecond = (bundles.length * ROUNDS) / ((performance.now() - started) / 1000);

  // One artifact with one bundle, through the CLI as a user runs it.
  const single = openTarget(parseReference(`ocidir://${join(work, 'one')}`));
  await pushPacked(single, artifact, { tag: 'v1' });
  await signManifest(single, subject, { signer: keySigner(privateKey), subjectName: 'bench/one' });
  await writeFile(join(work, 'cosign.pub'), publicKey.export({ format: 'pem', type: 'spki' }).toString());
  const verifies: number[] = [];
  for (let i = 0; i < 7; i++) verifies.push(await timeBin(['verify', 'ocidir://one:v1', '--key', 'cosign.pub', '--insecure-ignore-tlog'], work));
  const versions: number[] = [];
  for (let i = 0; i < 7; i++) versions.push(await timeBin(['--version'], work));

  process.stdout.write(
    [
      '',
      `offline verification of key-signed bundles  ${perSecond.toFixed(0)} bundles/s (${bundles.length * ROUNDS} verified; target >= 1,000/s)`,
      `sealpack verify, one bundle, end to end     ${median(verifies).toFixed(0)} ms median of 7, the bin from process start to exit (target < 400 ms)`,
      `sealpack --version                          ${median(versions).toFixed(0)} ms median of 7 (target < 150 ms)`,
      '',
    ].join('\n'),
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
