// Runs one sealpack command in this process and reports its wall time and peak RSS on stderr as
// JSON, so the bench measures the CLI's own code path without a wrapper's memory in the figure.
import { main } from '@sealpack/cli';

const started = performance.now();
const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() });
const seconds = (performance.now() - started) / 1000;
process.stderr.write(`BENCH ${JSON.stringify({ code, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
process.exitCode = code;
