#!/usr/bin/env -S MALLOC_ARENA_MAX=1 node --max-semi-space-size=1
// Kept tiny: `--version` answers before anything heavy is loaded. The small young generation makes
// V8 collect the short-lived 64 KiB network and file buffers of a transfer soon after use: measured
// on a 512 MiB pull, peak RSS 179 -> 130 MiB and faster too. One glibc malloc arena lets V8's
// compiler threads and the I/O threads reuse the memory the main thread frees instead of each
// keeping an arena of their own: a 1 GiB pull peaked at 134 -> 112 MiB. (bench/ reads this line.)
// A namespace import: a named import of something an older Node lacks fails before any line runs.
import * as nodeModule from 'node:module';
import { VERSION } from './version.ts';

/** package.json "engines": what undici 8 and the rest need. */
const MINIMUM_NODE: readonly [number, number] = [22, 19];

const argv = process.argv.slice(2);
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < MINIMUM_NODE[0] || (major === MINIMUM_NODE[0] && minor < MINIMUM_NODE[1])) {
  // Installed with npm on an old Node (npm only warns about "engines"): say so, not a SyntaxError.
  process.stderr.write(`sealpack: needs Node.js ${MINIMUM_NODE.join('.')} or newer; this is ${process.version}\n`);
  process.exitCode = 2;
} else if (argv.length === 1 && argv[0] === '--version') {
  process.stdout.write(`sealpack ${VERSION}\n`);
} else {
  // V8 bytecode of the modules below, kept on disk by Node (its default place under the temp dir;
  // NODE_DISABLE_COMPILE_CACHE=1 turns it off): a `resolve` measured 160 -> 140 ms.
  nodeModule.enableCompileCache();
  const [{ main }, { processIo }] = await Promise.all([import('./main.ts'), import('./io.ts')]);
  process.exitCode = await main(argv, processIo());
}
