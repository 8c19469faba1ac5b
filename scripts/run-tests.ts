// `./run test`: typecheck and test every package through turbo, then one summary of test counts
// and line/branch coverage per package, closing with the plain "N passed, N failed" line.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const groups = ['packages', 'apps', 'internal'];
const packageDirs = groups.flatMap((g) => (existsSync(join(root, g)) ? readdirSync(join(root, g)).map((d) => join(root, g, d)) : [])).filter((d) => existsSync(join(d, 'package.json')));

for (const dir of packageDirs) rmSync(join(dir, 'test-results'), { recursive: true, force: true });

// Lint and format, unused exports and files, and a changeset for every changed package: cheap, so
// first, and they fail the run.
for (const [what, args] of [
  ['lint', ['exec', 'biome', 'ci', '--error-on-warnings', '--colors=off', '.']],
  ['unused exports and files', ['exec', 'knip', '--no-progress']],
  ['changesets', ['run', '--silent', 'check-changesets']],
] as const) {
  const check = spawnSync('pnpm', args, { cwd: root, stdio: 'inherit' });
  if (check.status !== 0) {
    process.stderr.write(`run-tests: the ${what} check failed\n`);
    process.exit(check.status ?? 1);
  }
}

const extra = process.argv.slice(2);
const turbo = spawnSync('pnpm', ['exec', 'turbo', 'run', 'typecheck', 'test', '--concurrency=1', '--output-logs=full', ...extra], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', FORCE_COLOR: process.env.FORCE_COLOR ?? '0' },
});

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
}
interface CoverageSummary {
  total: { lines: { pct: number }; branches: { pct: number } };
}

let passed = 0;
let failed = 0;
let skipped = 0;
const rows: string[] = [];
for (const dir of packageDirs) {
  const name = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string }).name;
  const resultsPath = join(dir, 'test-results', 'vitest.json');
  if (!existsSync(resultsPath)) continue;
  const results = JSON.parse(readFileSync(resultsPath, 'utf8')) as VitestJson;
  passed += results.numPassedTests;
  failed += results.numFailedTests;
  skipped += results.numPendingTests;
  const coveragePath = join(dir, 'coverage', 'coverage-summary.json');
  const coverage = existsSync(coveragePath) ? (JSON.parse(readFileSync(coveragePath, 'utf8')) as CoverageSummary).total : undefined;
  rows.push(
    `  ${name.padEnd(24)} ${String(results.numPassedTests).padStart(4)} passed ${String(results.numFailedTests).padStart(3)} failed   lines ${coverage ? `${coverage.lines.pct.toFixed(1)}%` : 'n/a'}   branches ${coverage ? `${coverage.branches.pct.toFixed(1)}%` : 'n/a'}`,
  );
}
process.stdout.write(`\nTest summary (coverage thresholds: 80% lines, 70% branches per package)\n${rows.join('\n')}\n`);
process.stdout.write(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
const status = turbo.status ?? 1;
if (passed === 0 && status === 0) {
  process.stderr.write('run-tests: no test ran\n');
  process.exit(1);
}
process.exit(status !== 0 ? status : failed > 0 ? 1 : 0);
