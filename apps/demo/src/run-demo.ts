// `./run demo [DIR] [--registry HOST:PORT] [--serve]`: the README's first command.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { runDemo } from './demo.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = resolve(here, '../../..');
let parsed: ReturnType<typeof parseDemoArgs>;
function parseDemoArgs() {
  return parseArgs({ args: process.argv.slice(2), allowPositionals: true, options: { registry: { type: 'string' }, serve: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
}
try {
  parsed = parseDemoArgs();
} catch (error) {
  process.stderr.write(`demo: ${(error as Error).message}\nusage: ./run demo [DIR] [--registry HOST:PORT] [--serve]\n`);
  process.exit(2);
}
if (parsed.values.help === true) {
  process.stdout.write(
    'usage: ./run demo [DIR] [--registry HOST:PORT] [--serve]\n  DIR                 where to work (default .sealpack-demo in the repository)\n  --registry H:P      distribute to this registry instead of a second layout\n  --serve             then open the evidence viewer on 127.0.0.1\n',
  );
  process.exit(0);
}
const workDir = resolve(parsed.positionals[0] ?? resolve(repoRoot, '.sealpack-demo'));
await runDemo({
  workDir,
  write: (text) => process.stdout.write(text),
  runScript: resolve(repoRoot, 'run'),
  ...(parsed.values.registry === undefined ? {} : { registry: parsed.values.registry }),
});
