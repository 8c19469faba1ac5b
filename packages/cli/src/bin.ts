#!/usr/bin/env -S node --max-semi-space-size=1
// Kept tiny: `--version` answers before anything heavy is loaded. The small young generation makes
// V8 collect the short-lived 64 KiB network and file buffers of a transfer soon after use: measured
// on a 512 MiB pull, peak RSS 179 -> 130 MiB and faster too (bench/run-bench.ts reads this line).
import { VERSION } from './version.ts';

const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  process.stdout.write(`sealpack ${VERSION}\n`);
} else {
  const [{ main }, { processIo }] = await Promise.all([import('./main.ts'), import('./io.ts')]);
  process.exitCode = await main(argv, processIo());
}
