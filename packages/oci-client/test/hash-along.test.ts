import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { startFaultProxy, uniqueRepository } from '@sealpack/test-registry';
import { pullArtifact, pushFiles, sha256Of } from '../src/index.ts';
import { RegistryTarget } from '../src/entries/registry.ts';

const registries = inject('registries');
const SIZE = 48 * 1024 * 1024;

describe('large files are hashed while they upload', () => {
  it('lands the exact blob, and an unchanged re-push abandons its upload once the digest shows the blob is there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sealpack-along-'));
    const path = join(dir, 'big.parquet');
    const bytes = randomBytes(SIZE);
    await writeFile(path, bytes);
    const proxy = await startFaultProxy(registries.anonymous.port);
    try {
      const target = new RegistryTarget(proxy.host, uniqueRepository(), { chunkedThreshold: 1024 * 1024 });
      let reported = 0;
      const first = await pushFiles(target, [{ path }], { tag: 'v1', onProgress: (sent) => (reported = sent) });
      expect(reported).toBe(SIZE);
      expect(first.artifact.layers[0]?.descriptor.digest).toBe(sha256Of(bytes));
      const afterFirst = proxy.upstreamBytes;
      expect(afterFirst).toBeGreaterThan(SIZE);

      const second = await pushFiles(target, [{ path }], { tag: 'v2' });
      expect(second.artifact.layers[0]?.descriptor.digest).toBe(sha256Of(bytes));
      // Abandoned part way: how far the upload got while the file was hashed depends on how the two
      // shared the machine (a fifth to a half of it here on loopback), so only "well short of all".
      expect(proxy.upstreamBytes - afterFirst).toBeLessThan(SIZE * 0.9);

      const pulled = await pullArtifact(target, 'v2', join(dir, 'out'));
      expect(sha256Of(await readFile(pulled.files[0]!.path))).toBe(sha256Of(bytes));
      await target.close();
    } finally {
      await proxy.stop();
    }
  });

  it('a file that cannot be read fails the push and leaves no manifest behind', async () => {
    const target = new RegistryTarget(registries.anonymous.host, uniqueRepository(), { chunkedThreshold: 1 });
    await expect(pushFiles(target, [{ path: '/nonexistent/file.bin' }], { tag: 'v1' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(target.resolve('v1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
