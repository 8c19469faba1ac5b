// `./run bench`: push and pull one large artifact through a real registry (Debian's
// docker-registry on 127.0.0.1) with sealpack, curl (the ceiling) and skopeo, in one run, and
// print throughput, ratios and sealpack's peak RSS. Options: --size-mib N (default 1024).
import { execFile, spawn } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startRegistryProcess, type RegistryProcess } from '@sealpack/test-registry';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const measure = join(here, 'measure-cli.ts');
const bin = join(here, '..', 'packages', 'cli', 'dist', 'bin.js');
const sizeArg = process.argv.indexOf('--size-mib');
const sizeMiB = sizeArg === -1 ? 1024 : Number(process.argv[sizeArg + 1]);
if (!Number.isInteger(sizeMiB) || sizeMiB <= 0) throw new Error('--size-mib takes a whole number');
const size = sizeMiB * 1024 * 1024;

interface Measured { seconds: number; maxRssMiB?: number }

// The node flags the installed `sealpack` runs with are those on its shebang line; measure with the same.
const binFlags = (await readFile(bin, 'utf8')).split('\n')[0]?.match(/node\s+(.*)$/)?.[1]?.split(/\s+/).filter(Boolean) ?? [];

async function sealpack(args: string[], cwd: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...binFlags, measure, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', () => {
      const line = /BENCH (\{.*\})/.exec(err)?.[1];
      if (line === undefined) return reject(new Error(`sealpack ${args.join(' ')} failed:\n${err}`));
      const result = JSON.parse(line) as { code: number; seconds: number; maxRssMiB: number };
      if (result.code !== 0) return reject(new Error(`sealpack ${args.join(' ')} exited ${result.code}:\n${err}`));
      resolve(result);
    });
  });
}

async function timed(work: () => Promise<unknown>): Promise<Measured> {
  const started = performance.now();
  await work();
  return { seconds: (performance.now() - started) / 1000 };
}

async function makeFile(path: string): Promise<string> {
  // Random bytes (nothing compresses), written in 8 MiB blocks so making it costs little memory.
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const block = Buffer.alloc(8 * 1024 * 1024);
  for (let written = 0; written < size; written += block.byteLength) {
    randomFillSync(block);
    const piece = block.subarray(0, Math.min(block.byteLength, size - written));
    hash.update(piece);
    if (!out.write(piece)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return `sha256:${hash.digest('hex')}`;
}

async function curlPush(registry: RegistryProcess, repository: string, file: string, digest: string): Promise<Measured> {
  return timed(async () => {
    const start = await fetch(`http://${registry.host}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    const location = new URL(start.headers.get('location') ?? '', `http://${registry.host}`);
    location.searchParams.set('digest', digest);
    await run('curl', ['-sS', '-f', '-T', file, '-X', 'PUT', '-H', 'Content-Type: application/octet-stream', location.toString(), '-o', '/dev/null']);
  });
}

async function curlPull(registry: RegistryProcess, repository: string, digest: string, out: string): Promise<Measured> {
  return timed(() => run('curl', ['-sS', '-f', '-L', '-o', out, `http://${registry.host}/v2/${repository}/blobs/${digest}`]));
}

const mibps = (m: Measured) => sizeMiB / m.seconds;
const fmt = (m: Measured) => `${mibps(m).toFixed(0).padStart(5)} MiB/s  (${m.seconds.toFixed(2)} s)`;

const work = await mkdtemp(join(tmpdir(), 'sealpack-bench-'));
const registries: RegistryProcess[] = [];
const fresh = async () => {
  const registry = await startRegistryProcess({ kind: 'none' });
  registries.push(registry);
  return registry;
};
try {
  process.stdout.write(`sealpack bench: ${sizeMiB} MiB artifact, Debian docker-registry on 127.0.0.1, node ${process.version} ${binFlags.join(' ')}\n`);
  const file = join(work, 'big.bin');
  const digest = await makeFile(file);
  await mkdir(join(work, 'pulls'), { recursive: true });

  // Each push goes to a registry of its own, so nobody finds the blob already there.
  const regCurl = await fresh();
  const curlUp = await curlPush(regCurl, 'bench/curl', file, digest);
  const curlDown = await curlPull(regCurl, 'bench/curl', digest, join(work, 'pulls', 'curl.bin'));

  const regSeal = await fresh();
  const sealUp = await sealpack(['push', `${regSeal.host}/bench/sealpack:v1`, file, '--quiet'], work);
  const rePush = await sealpack(['push', `${regSeal.host}/bench/sealpack:v1`, file, '--quiet', '--reproducible'], work);
  const sealDown = await sealpack(['pull', `${regSeal.host}/bench/sealpack:v1`, '-o', join(work, 'pulls', 'sealpack'), '--quiet'], work);
  const pulled = await stat(join(work, 'pulls', 'sealpack', 'big.bin'));
  if (pulled.size !== size) throw new Error('sealpack pulled the wrong size');

  // skopeo copies an OCI layout (written by sealpack) to the registry and back into a layout.
  await sealpack(['push', `ocidir://${join(work, 'layout')}:v1`, file, '--quiet'], work);
  const regSkopeo = await fresh();
  const skopeoUp = await timed(() => run('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${join(work, 'layout')}:v1`, `docker://${regSkopeo.host}/bench/skopeo:v1`]));
  const skopeoDown = await timed(() => run('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${regSkopeo.host}/bench/skopeo:v1`, `oci:${join(work, 'skopeo-pull')}:v1`]));

  const versions: number[] = [];
  for (let i = 0; i < 5; i++) versions.push((await timed(() => run(bin, ['--version']))).seconds * 1000);
  versions.sort((a, b) => a - b);

  const lines = [
    '',
    `push  curl -T     ${fmt(curlUp)}`,
    `push  skopeo      ${fmt(skopeoUp)}`,
    `push  sealpack    ${fmt(sealUp)}   peak RSS ${sealUp.maxRssMiB?.toFixed(0)} MiB`,
    `pull  curl -o     ${fmt(curlDown)}`,
    `pull  skopeo      ${fmt(skopeoDown)}`,
    `pull  sealpack    ${fmt(sealDown)}   peak RSS ${sealDown.maxRssMiB?.toFixed(0)} MiB (digest verified while streaming)`,
    '',
    `push ratio  sealpack/curl ${(mibps(sealUp) / mibps(curlUp)).toFixed(2)}x (target >= 0.95)   sealpack/skopeo ${(mibps(sealUp) / mibps(skopeoUp)).toFixed(2)}x (target >= 1.0)`,
    `pull ratio  sealpack/curl ${(mibps(sealDown) / mibps(curlDown)).toFixed(2)}x (target >= 0.8)    sealpack/skopeo ${(mibps(sealDown) / mibps(skopeoDown)).toFixed(2)}x`,
    `peak RSS    ${Math.max(sealUp.maxRssMiB ?? 0, sealDown.maxRssMiB ?? 0).toFixed(0)} MiB (target <= 128 MB)`,
    `re-push of the unchanged artifact  ${rePush.seconds.toFixed(3)} s (target < 1 s)`,
    `sealpack --version  median ${versions[2]?.toFixed(0)} ms (target < 150 ms, process start included)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await Promise.all(registries.map((r) => r.stop()));
  await rm(work, { recursive: true, force: true });
}
