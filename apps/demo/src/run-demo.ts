// The README's main job: `sealpack publish` takes the sample deliverable into an OCI image layout
// directory (no server needed): pushed, signed, its provenance (PROV-O and the run manifest) and
// SBOM attested, gated by the baseline policy, its STAC record patched. Then the consumer's side:
// verify all of it offline, walk its lineage, validate the record, resolve, discover and pull it
// back, back it up with its evidence as one tar and restore it, each step through the same
// `sealpack` commands a user types.
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '@sealpack/cli';

const here = fileURLToPath(new URL('.', import.meta.url));
// The demo's throwaway signing key is encrypted with this (cosign reads COSIGN_PASSWORD the same way).
const DEMO_KEY_PASSWORD = 'sealpack-demo';
const dataDir = resolve(here, '../data');
const workDir = resolve(process.argv[2] ?? resolve(here, '../../../.sealpack-demo'));
// Commands run in workDir with paths relative to it, so each printed line can be pasted there as is.
const layout = 'ocidir://layout';
const repoRoot = resolve(here, '../../..');
const runScript = relative(workDir, join(repoRoot, 'run'));
const data = (name: string) => relative(workDir, join(dataDir, name));

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Runs one sealpack command in-process, echoes it like a terminal session, and returns its stdout. */
async function sealpack(...args: string[]): Promise<string> {
  const stdout = sink();
  const stderr = sink();
  process.stdout.write(`\n$ sealpack ${args.join(' ')}\n`);
  const code = await main(args, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdin: new PassThrough(),
    env: { ...process.env, SOURCE_DATE_EPOCH: '1780272000', COSIGN_PASSWORD: DEMO_KEY_PASSWORD },
    cwd: workDir,
  });
  process.stdout.write(stdout.text());
  if (code !== 0) {
    process.stderr.write(stderr.text());
    throw new Error(`sealpack ${args[0]} exited with ${code}`);
  }
  return stdout.text();
}

async function sha256File(path: string): Promise<string> {
  return `sha256:${createHash('sha256')
    .update(await readFile(path))
    .digest('hex')}`;
}

await rm(workDir, { recursive: true, force: true });
await mkdir(workDir, { recursive: true });
const files = ['parks.geojson', 'parks.csv', 'parks.stac.json'];

process.stdout.write(
  `sealpack demo: publishing ${files.join(', ')} into ${layout}, working in ${workDir}\n(to run a command yourself: cd ${workDir} && ${runScript.startsWith('.') ? runScript : `./${runScript}`} sealpack …)\n`,
);
// The whole pipeline in one command: push, sign (a local key and no transparency log: nothing
// leaves the machine; a real pipeline signs keyless or with its KMS key), attest the run's PROV and
// the SBOM, gate with the baseline policy (prod), and only then patch the catalog record.
await sealpack('generate-key-pair');
const baseline = relative(workDir, join(repoRoot, 'packages/policy/examples/baseline.yaml'));
await mkdir(join(workDir, 'catalog'), { recursive: true });
await writeFile(join(workDir, 'catalog', 'parks.stac.json'), await readFile(join(dataDir, 'parks.stac.json')));
await sealpack(
  'publish',
  ...files.map(data),
  '--to',
  `${layout}:parks-2026`,
  '--artifact-type',
  'application/vnd.sealpack.dataset.v1',
  '-a',
  'org.opencontainers.image.licenses=CC-BY-4.0',
  '-a',
  'dev.sealpack.sensitivity=public',
  '--key',
  'cosign.key',
  '--tlog-upload=false',
  '--policy',
  baseline,
  '--env',
  'prod',
  '--stac',
  'catalog/parks.stac.json',
  '--out',
  'evidence',
);
const pushed = { digest: (await sealpack('resolve', `${layout}:parks-2026`)).trim() };
const pinned = `${layout}@${pushed.digest}`;
// A consumer's check, offline: the signature and each attestation, by the public key.
const trust = ['--key', 'cosign.pub', '--insecure-ignore-tlog', '--offline'];
await sealpack('verify', pinned, ...trust);
await sealpack('verify-attestation', pinned, '--type', 'prov', ...trust);
await sealpack('verify-attestation', pinned, '--type', 'spdx', ...trust);
await sealpack('lineage', pinned, '--key', 'cosign.pub', '--insecure-ignore-tlog');
// The catalog record publish patched, checked offline against the STAC schemas.
await sealpack('catalog', 'validate', 'evidence/parks.stac.json');

// Other evidence travels as a referrer too: here a SHA256SUMS file of the deliverable.
const sums = (await Promise.all(files.map(async (f) => `${(await sha256File(join(dataDir, f))).slice(7)}  ${f}`))).join('\n');
await writeFile(join(workDir, 'SHA256SUMS'), `${sums}\n`);
await sealpack('attach', `${layout}@${pushed.digest}`, 'SHA256SUMS', '--artifact-type', 'application/vnd.sealpack.checksums.v1');

const digest = (await sealpack('resolve', `${layout}:parks-2026`)).trim();
if (digest !== pushed.digest) throw new Error(`resolve gave ${digest}, push gave ${pushed.digest}`);
await sealpack('discover', `${layout}:parks-2026`);
await sealpack('pull', `${layout}@${digest}`, '-o', 'pulled');
// The deliverable with its evidence, as one file for an air-gapped hand-over, and back.
await sealpack('backup', `${layout}:parks-2026`, '-o', 'parks-2026.tar');
await sealpack('restore', 'parks-2026.tar', 'ocidir://restored:parks-2026');
await sealpack('discover', 'ocidir://restored:parks-2026');

// The round trip must give back the very bytes that went in.
process.stdout.write('\nRound trip:\n');
for (const name of (await readdir(join(workDir, 'pulled'))).sort()) {
  const before = await sha256File(join(dataDir, name));
  const after = await sha256File(join(workDir, 'pulled', name));
  if (before !== after) throw new Error(`${name}: pulled ${after}, published ${before}`);
  process.stdout.write(`  ok  ${after}  ${name}\n`);
}
process.stdout.write(`\nPublished the OCI layout ${join(workDir, 'layout')}\nPinned: ocidir://${join(workDir, 'layout')}@${digest}\n`);
