// Runs one sealpack command in this process, as the installed bin would, and reports its exit
// code, peak RSS and CPU time on stderr as JSON. Plain JavaScript on purpose: a .ts entry would load
// Node's type stripper (about 17 MB of RSS) and the bench would charge that to sealpack.
import { main } from '@sealpack/cli';

const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() });
const usage = process.resourceUsage();
process.stderr.write(`BENCH ${JSON.stringify({ code, maxRssMiB: usage.maxRSS / 1024, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6 })}\n`);
process.exitCode = code;
