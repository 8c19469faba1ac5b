#!/usr/bin/env node
// Kept tiny: `--version` answers before anything heavy is loaded.
import { VERSION } from './version.ts';

const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  process.stdout.write(`sealpack ${VERSION}\n`);
} else {
  const [{ main }, { processIo }] = await Promise.all([import('./main.ts'), import('./io.ts')]);
  process.exitCode = await main(argv, processIo());
}
