// Every published package changed since its last release has a pending changeset: `changeset
// status` over the commits since the last version bump of any package (the first commit while
// nothing was ever released). A user-visible change without a changeset fails CI here.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });

// A release modifies a version line; adding a new package's package.json is no release.
const bumps = git('log', '--diff-filter=M', '-G"version"', '--format=%H', '--', 'packages/*/package.json');
if (bumps.status !== 0) {
  process.stderr.write(`check-changesets: git log failed: ${bumps.stderr}`);
  process.exit(1);
}
// The newest release; while nothing was ever released, the first commit.
const since = bumps.stdout.trim().split('\n')[0] || git('rev-list', '--max-parents=0', 'HEAD').stdout.trim().split('\n')[0];
if (since === undefined || since.length === 0) {
  process.stderr.write('check-changesets: no commit to compare with\n');
  process.exit(1);
}
const status = spawnSync('pnpm', ['exec', 'changeset', 'status', `--since=${since}`], { cwd: root, stdio: 'inherit' });
process.exit(status.status ?? 1);
