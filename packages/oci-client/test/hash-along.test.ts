import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { uniqueRepository } from '@sealpack/test-registry';
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
    const digest = sha256Of(bytes);
    const requests: string[] = [];
    const target = new RegistryTarget(registries.anonymous.host, uniqueRepository(), { chunkedThreshold: 1024 * 1024, log: (line) => requests.push(line) });
    try {
      let reported = 0;
      const first = await pushFiles(target, [{ path }], { tag: 'v1', onProgress: (sent) => (reported = sent) });
      expect(reported).toBe(SIZE);
      expect(first.artifact.layers[0]?.descriptor.digest).toBe(digest);
      // Hashed along: the upload started before the digest was known and closed with it.
      expect(requests.some((r) => r.startsWith('POST ') && r.includes('/blobs/uploads/'))).toBe(true);
      expect(requests.some((r) => r.startsWith('PUT ') && r.includes('/blobs/uploads/'))).toBe(true);

      requests.length = 0;
      const second = await pushFiles(target, [{ path }], { tag: 'v2' });
      expect(second.artifact.layers[0]?.descriptor.digest).toBe(digest);
      // Whatever the machine's speed, an upload can only close once the digest is known, and by
      // then the registry is asked about the blob: it has it, so the upload is given up, never closed.
      const blobChecks = requests.filter((r) => r.startsWith('HEAD ') && r.includes(`/blobs/${digest}`));
      expect(blobChecks.length).toBeGreaterThan(0);
      expect(requests.filter((r) => r.startsWith('PUT ') && r.includes('/blobs/uploads/'))).toEqual([]);
      expect(requests.some((r) => r.startsWith('DELETE ') && r.includes('/blobs/uploads/'))).toBe(true);

      const pulled = await pullArtifact(target, 'v2', join(dir, 'out'));
      expect(sha256Of(await readFile(pulled.files[0]!.path))).toBe(digest);
    } finally {
      await target.close();
    }
  });

  it('a file that cannot be read fails the push and leaves no manifest behind', async () => {
    const target = new RegistryTarget(registries.anonymous.host, uniqueRepository(), { chunkedThreshold: 1 });
    await expect(pushFiles(target, [{ path: '/nonexistent/file.bin' }], { tag: 'v1' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(target.resolve('v1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
