// `./run bench`: push and pull one large artifact through a real registry (Debian's
// docker-registry on 127.0.0.1) with sealpack, curl (the ceiling) and skopeo, in one run, and
// print throughput, ratios and sealpack's peak RSS. Options: --size-mib N (default 1024), --rounds N
// (default 3; the order of the clients rotates each round and the medians are reported), --only
// transfer|graph|race|verify|policy|publish (graph-bench.ts: copy -r of 200 referrers, push of 1,000 small files;
// referrers-race.ts: 20 processes racing on one tag-schema index, --race-rounds N; verify-bench.ts:
// offline verification of key-signed bundles and `sealpack verify` end to end; policy-bench.ts:
// policy evaluation on cached evidence; publish-bench.ts: `sealpack publish` of the demo data).
import { execFile } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startRegistryProcess, type RegistryProcess } from '@sealpack/test-registry';
import { bin, sealpack, shebang, type Measured } from './measure.ts';

const run = promisify(execFile);
const sizeArg = process.argv.indexOf('--size-mib');
const sizeMiB = sizeArg === -1 ? 1024 : Number(process.argv[sizeArg + 1]);
if (!Number.isInteger(sizeMiB) || sizeMiB <= 0) throw new Error('--size-mib takes a whole number');
const size = sizeMiB * 1024 * 1024;

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
    if (!out.write(piece)) await new Promise<void>((r) => out.once('drain', () => r()));
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
/** The median and, when there were several rounds, every round's time: the spread tells how far to trust a ratio. */
const fmtRuns = (runs: Measured[]) => `${fmt(median(runs))}${runs.length > 1 ? `  rounds: ${runs.map((m) => m.seconds.toFixed(2)).join(' ')} s` : ''}`;

const onlyArg = process.argv.indexOf('--only');
const only = onlyArg === -1 ? undefined : process.argv[onlyArg + 1];
if (only !== undefined && !['transfer', 'graph', 'race', 'verify', 'policy', 'publish'].includes(only)) throw new Error('--only takes transfer, graph, race, verify, policy or publish');
const roundsArg = process.argv.indexOf('--rounds');
const rounds = roundsArg === -1 ? 3 : Number(process.argv[roundsArg + 1]);
if (!Number.isInteger(rounds) || rounds <= 0) throw new Error('--rounds takes a whole number');

/** The median run of a measurement repeated over rounds (the order of clients rotates each round). */
function median(runs: Measured[]): Measured {
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  return sorted[Math.floor(sorted.length / 2)] as Measured;
}

// Dirty pages from one client's writes would otherwise be flushed during the next one's run.
const settle = () => run('sync');

const OTHER_BENCHES: Record<string, string> = { graph: './graph-bench.ts', race: './referrers-race.ts', verify: './verify-bench.ts', policy: './policy-bench.ts', publish: './publish-bench.ts' };
if (only !== undefined && OTHER_BENCHES[only] !== undefined) {
  await import(OTHER_BENCHES[only] as string);
  process.exit(0);
}
const work = await mkdtemp(join(tmpdir(), 'sealpack-bench-'));
const registries: RegistryProcess[] = [];
const fresh = async () => {
  const registry = await startRegistryProcess({ kind: 'none' });
  registries.push(registry);
  return registry;
};
const stopAll = async () => {
  await Promise.all(registries.splice(0).map((r) => r.stop()));
};
try {
  process.stdout.write(
    `sealpack bench: ${sizeMiB} MiB artifact, ${rounds} round(s), medians, Debian docker-registry on 127.0.0.1, node ${process.version}, bin runs with ${[...Object.entries(shebang.env).map(([k, v]) => `${k}=${v}`), ...shebang.flags].join(' ')}\n`,
  );
  const file = join(work, 'big.bin');
  const digest = await makeFile(file);
  await sealpack(['push', `ocidir://${join(work, 'layout')}:v1`, file, '--quiet'], work);
  // A working directory whose file-digest cache knows big.bin: its pushes start with the digest
  // known, as the curl and skopeo pushes do (the bench hands curl the digest; skopeo reads it from
  // the layout), so only the transport is compared.
  const knowing = join(work, 'knowing');
  await mkdir(knowing);
  await sealpack(['push', `ocidir://${join(knowing, 'layout')}:v1`, file, '--quiet'], knowing);
  const results: Record<string, Measured[]> = { curlUp: [], curlDown: [], sealUp: [], sealKnownUp: [], sealDown: [], rePush: [], rePushUncached: [], skopeoUp: [], skopeoDown: [] };

  type Client = () => Promise<void>;
  const pulls = join(work, 'pulls');
  // Each client pushes to a registry of its own, so nobody finds the blob already there.
  const curl: Client = async () => {
    const registry = await fresh();
    await settle();
    results.curlUp!.push(await curlPush(registry, 'bench/curl', file, digest));
    await settle();
    results.curlDown!.push(await curlPull(registry, 'bench/curl', digest, join(pulls, 'curl.bin')));
  };
  const seal: Client = async () => {
    const registry = await fresh();
    await settle();
    // The first push starts with an empty file-digest cache, as a newcomer's would, and fills it.
    await rm(join(work, '.sealpack-cache'), { recursive: true, force: true });
    results.sealUp!.push(await sealpack(['push', `${registry.host}/bench/sealpack:v1`, file, '--quiet'], work));
    results.rePush!.push(await sealpack(['push', `${registry.host}/bench/sealpack:v1`, file, '--quiet'], work));
    results.rePushUncached!.push(await sealpack(['push', `${registry.host}/bench/sealpack:v1`, file, '--quiet', '--no-digest-cache'], work));
    await settle();
    results.sealDown!.push(await sealpack(['pull', `${registry.host}/bench/sealpack:v1`, '-o', join(pulls, 'sealpack'), '--quiet', '--overwrite'], work));
    if ((await stat(join(pulls, 'sealpack', 'big.bin'))).size !== size) throw new Error('sealpack pulled the wrong size');
  };
  // skopeo copies an OCI layout (written by sealpack) to the registry and back into a layout.
  const skopeo: Client = async () => {
    const registry = await fresh();
    await settle();
    results.skopeoUp!.push(await timed(() => run('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${join(work, 'layout')}:v1`, `docker://${registry.host}/bench/skopeo:v1`])));
    await rm(join(work, 'skopeo-pull'), { recursive: true, force: true });
    await settle();
    results.skopeoDown!.push(await timed(() => run('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${registry.host}/bench/skopeo:v1`, `oci:${join(work, 'skopeo-pull')}:v1`])));
  };
  const sealKnowing: Client = async () => {
    const registry = await fresh();
    await settle();
    results.sealKnownUp!.push(await sealpack(['push', `${registry.host}/bench/sealpack:v1`, file, '--quiet'], knowing));
  };
  const clients = [curl, seal, skopeo, sealKnowing];
  for (let round = 0; round < rounds; round++) {
    await mkdir(pulls, { recursive: true });
    for (let i = 0; i < clients.length; i++) await (clients[(i + round) % clients.length] as Client)();
    await stopAll();
    await rm(pulls, { recursive: true, force: true });
  }
  const [curlUp, curlDown, sealUp, sealDown, rePush, skopeoUp, skopeoDown] = (['curlUp', 'curlDown', 'sealUp', 'sealDown', 'rePush', 'skopeoUp', 'skopeoDown'] as const).map((k) =>
    median(results[k] ?? []),
  ) as [Measured, Measured, Measured, Measured, Measured, Measured, Measured];
  const rePushUncached = median(results.rePushUncached ?? []);
  const sealKnownUp = median(results.sealKnownUp ?? []);
  const peakRss = Math.max(...['sealUp', 'sealKnownUp', 'sealDown', 'rePush', 'rePushUncached'].flatMap((k) => results[k] ?? []).map((m) => m.maxRssMiB ?? 0));

  // The ratio within each round too: curl and sealpack ran minutes apart at most, so a machine
  // that speeds up or slows down between rounds moves both.
  const roundRatios = (ceiling: string, ours: string) => {
    const a = results[ceiling] ?? [];
    const b = results[ours] ?? [];
    if (a.length < 2) return '';
    return `   per round sealpack/curl: ${a.map((m, i) => (m.seconds / (b[i]?.seconds ?? Number.NaN)).toFixed(2)).join(' ')}`;
  };
  const versions: number[] = [];
  for (let i = 0; i < 5; i++) versions.push((await timed(() => run(bin, ['--version']))).seconds * 1000);
  versions.sort((a, b) => a - b);

  const lines = [
    '',
    `push  curl -T     ${fmtRuns(results.curlUp ?? [])}`,
    `push  skopeo      ${fmtRuns(results.skopeoUp ?? [])}`,
    `push  sealpack    ${fmtRuns(results.sealUp ?? [])}   (file hashed meanwhile: the first push of it)`,
    `push  sealpack    ${fmtRuns(results.sealKnownUp ?? [])}   (digest known from the file-digest cache, as curl's is)`,
    `pull  curl -o     ${fmtRuns(results.curlDown ?? [])}`,
    `pull  skopeo      ${fmtRuns(results.skopeoDown ?? [])}`,
    `pull  sealpack    ${fmtRuns(results.sealDown ?? [])}   (digest verified while streaming)`,
    '',
    `push ratio  sealpack/curl ${(mibps(sealUp) / mibps(curlUp)).toFixed(2)}x (target >= 0.95)   sealpack/skopeo ${(mibps(sealUp) / mibps(skopeoUp)).toFixed(2)}x (target >= 1.0)${roundRatios('curlUp', 'sealUp')}`,
    `            digest known: sealpack/curl ${(mibps(sealKnownUp) / mibps(curlUp)).toFixed(2)}x   sealpack/skopeo ${(mibps(sealKnownUp) / mibps(skopeoUp)).toFixed(2)}x${roundRatios('curlUp', 'sealKnownUp')}`,
    `pull ratio  sealpack/curl ${(mibps(sealDown) / mibps(curlDown)).toFixed(2)}x (target >= 0.8)    sealpack/skopeo ${(mibps(sealDown) / mibps(skopeoDown)).toFixed(2)}x${roundRatios('curlDown', 'sealDown')}`,
    `peak RSS    ${peakRss.toFixed(0)} MiB = ${(peakRss * 1.048576).toFixed(0)} MB over all sealpack runs (target <= 128 MB)`,
    `re-push of the unchanged artifact  ${rePush.seconds.toFixed(3)} s (target < 1 s; file-digest cache warm), ${rePushUncached.seconds.toFixed(3)} s with --no-digest-cache`,
    `sealpack --version  median ${versions[2]?.toFixed(0)} ms (target < 150 ms, process start included)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await stopAll();
  await rm(work, { recursive: true, force: true });
}
if (only === undefined) {
  for (const bench of Object.values(OTHER_BENCHES)) await import(bench);
}
