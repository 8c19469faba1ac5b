// Graph benchmarks (issue: referrers graph): copy -r of a subject with 200 small referrers between
// two repositories of the real registry, and a push of 1,000 small files with the default blob
// concurrency against the same push one blob at a time (--concurrency 1).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesSource, packLayers, RegistryTarget, sha256Of } from '@sealpack/oci-client';
import { startRegistryProcess } from '@sealpack/test-registry';
import { sealpack } from './measure.ts';

const work = await mkdtemp(join(tmpdir(), 'sealpack-graph-bench-'));
const registry = await startRegistryProcess({ kind: 'none' });
try {
  const from = new RegistryTarget(registry.host, 'bench/graph-from');
  const subjectBytes = new TextEncoder().encode('subject');
  const subject = packLayers([{ descriptor: { mediaType: 'text/plain', digest: sha256Of(subjectBytes), size: subjectBytes.byteLength }, source: bytesSource(subjectBytes) }], { created: null });
  for (const blob of [subject.config, ...subject.layers]) await from.push(blob.descriptor, blob.source);
  await from.push(subject.descriptor, bytesSource(subject.manifestBytes), { tag: 'v1' });
  await Promise.all(Array.from({ length: 200 }, async (_, i) => {
    const bytes = new TextEncoder().encode(`evidence ${i}`);
    const referrer = packLayers([{ descriptor: { mediaType: 'text/plain', digest: sha256Of(bytes), size: bytes.byteLength }, source: bytesSource(bytes) }], { created: null, subject: subject.descriptor, artifactType: 'application/vnd.example.evidence' });
    for (const blob of [referrer.config, ...referrer.layers]) await from.push(blob.descriptor, blob.source);
    await from.push(referrer.descriptor, bytesSource(referrer.manifestBytes));
  }));
  if ((await from.referrers(subject.descriptor)).length !== 200) throw new Error('setup did not attach 200 referrers');
  await from.close();
  const copySeconds = (await sealpack(['copy', '-r', `${registry.host}/bench/graph-from:v1`, `${registry.host}/bench/graph-to:v1`, '--quiet'], work)).seconds;

  const files: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const name = `f${String(i).padStart(4, '0')}.json`;
    await writeFile(join(work, name), JSON.stringify({ i, pad: 'x'.repeat(200) }));
    files.push(name);
  }
  const parallel = (await sealpack(['push', `${registry.host}/bench/many-parallel:v1`, ...files, '--quiet'], work)).seconds;
  const serial = (await sealpack(['push', `${registry.host}/bench/many-serial:v1`, ...files, '--quiet', '--concurrency', '1'], work)).seconds;
  process.stdout.write([
    '',
    `copy -r of a subject with 200 referrers  ${copySeconds.toFixed(2)} s (target < 3 s)`,
    `push of 1,000 small files               ${parallel.toFixed(2)} s with default concurrency, ${serial.toFixed(2)} s one blob at a time: ${(serial / parallel).toFixed(1)}x (target >= 4x)`,
    '',
  ].join('\n'));
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
}
