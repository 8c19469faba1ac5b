// `sealpack publish` of the demo's main deliverable (the world's countries as PMTiles, GeoParquet
// and GeoJSON, with its STAC and DCAT records) into an OCI layout, end to end through the bin
// (process start to exit), with the time of each stage from its --json. Target: under 10 s.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generateSampleData, SAMPLE_FILES } from '@sealpack/demo/sample';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const policy = fileURLToPath(new URL('../packages/policy/examples/baseline.yaml', import.meta.url));
const work = await mkdtemp(join(tmpdir(), 'sealpack-publish-bench-'));
try {
  const env = { ...process.env, COSIGN_PASSWORD: 'bench', HOME: work };
  await run(process.execPath, [bin, 'generate-key-pair'], { cwd: work, env });
  await generateSampleData(join(work, 'data'));
  const files = SAMPLE_FILES.world.map((f) => `data/${f}`);
  const bytes = (await Promise.all(files.map(async (f) => (await stat(join(work, f))).size))).reduce((a, b) => a + b, 0);
  // The baseline's gate, with Natural Earth's public domain among the licences it allows.
  await writeFile(join(work, 'policy.yaml'), (await readFile(policy, 'utf8')).replace('allow: [CC-BY-4.0,', 'allow: [LicenseRef-PublicDomain, CC-BY-4.0,'));
  const rounds: Array<{ wall: number; stages: Record<string, number> }> = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const { stdout } = await run(
      process.execPath,
      [
        bin,
        'publish',
        ...files,
        '--to',
        `ocidir://lay-${i}:v1`,
        '-a',
        'org.opencontainers.image.licenses=LicenseRef-PublicDomain',
        '-a',
        'dev.sealpack.sensitivity=public',
        '--key',
        'cosign.key',
        '--tlog-upload=false',
        '--policy',
        'policy.yaml',
        '--stac',
        `data/${SAMPLE_FILES.worldRecords.stac}`,
        '--dcat',
        `data/${SAMPLE_FILES.worldRecords.dcat}`,
        '--out',
        `evidence-${i}`,
        '--json',
      ],
      { cwd: work, env },
    );
    rounds.push({ wall: performance.now() - started, stages: (JSON.parse(stdout) as { stages: Record<string, number> }).stages });
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const stageNames = Object.keys(rounds[0]?.stages ?? {});
  process.stdout.write(
    `\nsealpack publish, demo data (${files.length} files, ${(bytes / 1024).toFixed(0)} KiB) into a layout (sign, PROV + SBOM, gate, STAC + DCAT)  ${median(rounds.map((r) => r.wall)).toFixed(0)} ms median of 5, process start to exit (target < 10 s)\n  stages (median ms): ${stageNames.map((s) => `${s} ${median(rounds.map((r) => r.stages[s] ?? 0))}`).join(', ')}\n\n`,
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
