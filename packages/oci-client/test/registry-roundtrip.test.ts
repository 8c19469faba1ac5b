import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { TEST_PASSWORD, TEST_USER, uniqueRepository } from '@sealpack/test-registry';
import { RegistryTarget, type RegistryTargetOptions } from '../src/entries/registry.ts';
import { pushFiles, pullArtifact, staticCredential, sha256Of } from '../src/index.ts';

const registries = inject('registries');

async function sampleFiles(dir: string) {
  const a = join(dir, 'tiles.pmtiles');
  const b = join(dir, 'data.geojson');
  await writeFile(a, randomBytes(300_000));
  await writeFile(b, JSON.stringify({ type: 'FeatureCollection', features: [] }));
  return [a, b];
}

const variants: Array<[string, () => { host: string; options: RegistryTargetOptions }]> = [
  ['anonymous', () => ({ host: registries.anonymous.host, options: {} })],
  ['htpasswd basic auth', () => ({ host: registries.basic.host, options: { credentials: staticCredential({ kind: 'basic', username: TEST_USER, password: TEST_PASSWORD }) } })],
  ['bearer token auth', () => ({ host: registries.token.host, options: { credentials: staticCredential({ kind: 'basic', username: TEST_USER, password: TEST_PASSWORD }) } })],
];

describe.each(variants)('push and pull through a real registry (%s)', (_name, variant) => {
  it('pushes files as an OCI artifact, resolves the tag, and pulls identical bytes back', async () => {
    const { host, options } = variant();
    const dir = await mkdtemp(join(tmpdir(), 'sealpack-rt-'));
    const files = await sampleFiles(dir);
    const target = new RegistryTarget(host, uniqueRepository(), options);
    try {
      const pushed = await pushFiles(
        target,
        files.map((path) => ({ path })),
        { tag: 'v1', artifactType: 'application/vnd.sealpack.test.v1' },
      );
      const resolved = await target.resolve('v1');
      expect(resolved.digest).toBe(pushed.descriptor.digest);
      expect(resolved.size).toBe(pushed.descriptor.size);
      expect(await target.tags()).toEqual(['v1']);
      const out = join(dir, 'out');
      const pulled = await pullArtifact(target, 'v1', out);
      expect(pulled.files.map((f) => f.title).sort()).toEqual(['data.geojson', 'tiles.pmtiles']);
      for (const path of files) {
        const name = path.slice(dir.length + 1);
        expect(sha256Of(await readFile(join(out, name)))).toBe(sha256Of(await readFile(path)));
      }
    } finally {
      await target.close();
    }
  });
});

describe('authentication failures', () => {
  it('refuses wrong credentials with UNAUTHORIZED and never prints the password', async () => {
    const secret = 'definitely-wrong-password-123';
    for (const host of [registries.basic.host, registries.token.host]) {
      const target = new RegistryTarget(host, uniqueRepository(), { credentials: staticCredential({ kind: 'basic', username: TEST_USER, password: secret }) });
      const error = await target.resolve('v1').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'UNAUTHORIZED' });
      expect(String((error as Error).message)).not.toContain(secret);
      await target.close();
    }
  });
});
