// Graph benchmarks (issue: referrers graph): copy -r of a subject with 200 small referrers between
// two repositories of the real registry, and a push of 1,000 small files with the default blob
// concurrency against the same push one blob at a time (--concurrency 1).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesSource, packLayers, sha256Of } from '@sealpack/oci-client';
import { RegistryTarget } from '@sealpack/oci-client/registry';
import { startRegistryProcess } from '@sealpack/test-registry';
import { sealpack, type Measured } from './measure.ts';

/** CPU seconds a process has used so far (proc(5): utime + stime, fields 14 and 15, in clock ticks of 1/100 s). */
async function cpuSecondsOf(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const work = await mkdtemp(join(tmpdir(), 'sealpack-graph-bench-'));
const registry = await startRegistryProcess({ kind: 'none' });
try {
  const from = new RegistryTarget(registry.host, 'bench/graph-from');
  const subjectBytes = new TextEncoder().encode('subject');
  const subject = packLayers([{ descriptor: { mediaType: 'text/plain', digest: sha256Of(subjectBytes), size: subjectBytes.byteLength }, source: bytesSource(subjectBytes) }], { created: null });
  for (const blob of [subject.config, ...subject.layers]) await from.push(blob.descriptor, blob.source);
  await from.push(subject.descriptor, bytesSource(subject.manifestBytes), { tag: 'v1' });
  await Promise.all(
    Array.from({ length: 200 }, async (_, i) => {
      const bytes = new TextEncoder().encode(`evidence ${i}`);
      const referrer = packLayers([{ descriptor: { mediaType: 'text/plain', digest: sha256Of(bytes), size: bytes.byteLength }, source: bytesSource(bytes) }], {
        created: null,
        subject: subject.descriptor,
        artifactType: 'application/vnd.example.evidence',
      });
      for (const blob of [referrer.config, ...referrer.layers]) await from.push(blob.descriptor, blob.source);
      await from.push(referrer.descriptor, bytesSource(referrer.manifestBytes));
    }),
  );
  if ((await from.referrers(subject.descriptor)).length !== 200) throw new Error('setup did not attach 200 referrers');
  await from.close();
  const copySeconds = (await sealpack(['copy', '-r', `${registry.host}/bench/graph-from:v1`, `${registry.host}/bench/graph-to:v1`, '--quiet'], work)).seconds;

  const files: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const name = `f${String(i).padStart(4, '0')}.json`;
    await writeFile(join(work, name), JSON.stringify({ i, pad: 'x'.repeat(200) }));
    files.push(name);
  }
  // The registry's CPU time is printed beside sealpack's: on a small machine the two compete for the
  // same cores, which bounds what concurrency can gain.
  const withRegistryCpu = async (args: string[]): Promise<Measured & { registryCpu: number }> => {
    const before = await cpuSecondsOf(registry.pid);
    const measured = await sealpack(args, work);
    return { ...measured, registryCpu: (await cpuSecondsOf(registry.pid)) - before };
  };
  const parallelRun = await withRegistryCpu(['push', `${registry.host}/bench/many-parallel:v1`, ...files, '--quiet']);
  const serialRun = await withRegistryCpu(['push', `${registry.host}/bench/many-serial:v1`, ...files, '--quiet', '--concurrency', '1']);
  const [parallel, serial] = [parallelRun.seconds, serialRun.seconds];
  const cpu = (run: Measured & { registryCpu: number }) => `sealpack ${(run.cpuSeconds ?? 0).toFixed(2)} s + registry ${run.registryCpu.toFixed(2)} s of CPU`;
  process.stdout.write(
    [
      '',
      `copy -r of a subject with 200 referrers  ${copySeconds.toFixed(2)} s (target < 3 s)`,
      `push of 1,000 small files               ${parallel.toFixed(2)} s with default concurrency, ${serial.toFixed(2)} s one blob at a time: ${(serial / parallel).toFixed(1)}x (target >= 4x)`,
      `                                         CPU: concurrent ${cpu(parallelRun)}; one at a time ${cpu(serialRun)}`,
      `                                         ceiling on ${os.availableParallelism()} cores if that CPU were spread perfectly: ${(serial / (((parallelRun.cpuSeconds ?? 0) + parallelRun.registryCpu) / os.availableParallelism())).toFixed(1)}x`,
      '',
    ].join('\n'),
  );
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
}
