// `./run demo [DIR] [--registry HOST:PORT] [--serve [--port N]]`: the README's first command.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { main } from '@sealpack/cli';
import { runDemo } from './demo.ts';

const USAGE = `usage: ./run demo [DIR] [--registry HOST:PORT] [--serve [--port N]]
  DIR                 where to work (default: .sealpack-demo in the repository)
  --registry H:P      distribute to this registry instead of a second layout
  --serve             then show the evidence in the web viewer on 127.0.0.1 (Ctrl-C stops it)
  --port N            the viewer's port (default 8080)
`;
const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = resolve(here, '../../..');
const parse = () =>
  parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { registry: { type: 'string' }, serve: { type: 'boolean' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
let parsed: ReturnType<typeof parse>;
try {
  parsed = parse();
} catch (error) {
  // node:util's message goes on to explain `--`; its first sentence says what is wrong.
  process.stderr.write(`demo: ${((error as Error).message.split(/\.\s/)[0] ?? '').trim()}\n${USAGE}`);
  process.exit(2);
}
if (parsed.values.help === true) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const workDir = resolve(parsed.positionals[0] ?? resolve(repoRoot, '.sealpack-demo'));
const result = await runDemo({
  workDir,
  write: (text) => process.stdout.write(text),
  runScript: resolve(repoRoot, 'run'),
  ...(parsed.values.registry === undefined ? {} : { registry: parsed.values.registry }),
}).catch((error: unknown) => {
  // The failed command has printed its own one-line reason above; this says which step stopped.
  process.stderr.write(`demo: stopped: ${(error as Error).message}\n`);
  process.exit(1);
});
if (parsed.values.serve === true) {
  // The viewer over the demo's artifacts; Ctrl-C ends it (exit 0).
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
  process.stdout.write(`\n$ sealpack serve … (in ${workDir})\n`);
  const code = await main(
    [
      'serve',
      result.world,
      result.publicSites,
      result.restrictedSites,
      '--key',
      'cosign.pub',
      '--insecure-ignore-tlog',
      '--policy',
      'policy.yaml',
      ...result.catalogs.flatMap((file) => ['--catalog', file]),
      '--port',
      parsed.values.port ?? '8080',
    ],
    { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: workDir, signal: stop.signal },
  );
  process.exit(code);
}
