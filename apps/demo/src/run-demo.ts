// The README's main job: publish the sample deliverable into an OCI image layout directory (no
// server needed), attach evidence to it as a referrer, then resolve, discover and pull it back,
// back it up with its evidence as one tar and restore it, each step through the same `sealpack`
// commands a user types.
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '@sealpack/cli';

const here = fileURLToPath(new URL('.', import.meta.url));
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
  const code = await main(args, { stdout: stdout.stream, stderr: stderr.stream, stdin: new PassThrough(), env: { ...process.env, SOURCE_DATE_EPOCH: '1780272000' }, cwd: workDir });
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
const pushed = JSON.parse(
  await sealpack(
    'push',
    `${layout}:parks-2026`,
    ...files.map(data),
    '--artifact-type',
    'application/vnd.sealpack.dataset.v1',
    '-a',
    'org.opencontainers.image.licenses=CC-BY-4.0',
    '-a',
    'dev.sealpack.sensitivity=public',
    '--json',
  ),
) as { digest: string };

// Evidence travels as a referrer: here a SHA256SUMS file of the deliverable, attached by subject.
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
