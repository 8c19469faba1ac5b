import { setFlagsFromString } from 'node:v8';
setFlagsFromString(process.env.V8FLAG ?? '');
const { main } = await import('@sealpack/cli');
const started = performance.now();
const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() });
process.stderr.write(`BENCH ${JSON.stringify({ code, seconds: (performance.now() - started) / 1000, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
