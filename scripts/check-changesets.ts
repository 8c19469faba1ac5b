// Every published package changed since its last release has a pending changeset: `changeset
// status` over the commits since the last version bump of any package.json (the first commit while
// nothing was ever released). A user-visible change without a changeset fails CI here.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });

const bumps = git('log', '-G"version"', '--format=%H', '--', 'packages/*/package.json');
if (bumps.status !== 0) {
  process.stderr.write(`check-changesets: git log failed: ${bumps.stderr}`);
  process.exit(1);
}
// The newest commit that set a version; while none was ever released that is the one that added them.
const since = bumps.stdout.trim().split('\n')[0];
if (since === undefined || since.length === 0) {
  process.stderr.write('check-changesets: no package.json with a version in the history\n');
  process.exit(1);
}
const status = spawnSync('pnpm', ['exec', 'changeset', 'status', `--since=${since}`], { cwd: root, stdio: 'inherit' });
process.exit(status.status ?? 1);
