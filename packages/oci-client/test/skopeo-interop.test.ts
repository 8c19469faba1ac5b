import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { uniqueRepository } from '@sealpack/test-registry';
import { backup, pullArtifact, pushFiles, sha256Of } from '../src/index.ts';
import { LayoutTarget } from '../src/entries/layout.ts';
import { RegistryTarget } from '../src/entries/registry.ts';

const run = promisify(execFile);
const registries = inject('registries');

describe('skopeo (Debian) reads what sealpack writes', () => {
  it('a sealpack layout copied by skopeo to the registry keeps every digest, and sealpack pulls it back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sealpack-skopeo-'));
    await writeFile(join(dir, 'parks.geojson'), JSON.stringify({ type: 'FeatureCollection', features: [] }));
    await writeFile(join(dir, 'tiles.pmtiles'), Buffer.alloc(70_000, 7));
    const layout = new LayoutTarget(join(dir, 'layout'));
    const pushed = await pushFiles(layout, [{ path: join(dir, 'parks.geojson') }, { path: join(dir, 'tiles.pmtiles') }], { tag: 'v1', artifactType: 'application/vnd.sealpack.dataset.v1' });

    const raw = (await run('skopeo', ['inspect', '--raw', `oci:${join(dir, 'layout')}:v1`])).stdout;
    expect(raw).toBe(new TextDecoder().decode(pushed.artifact.manifestBytes));

    const repository = uniqueRepository('skopeo');
    await run('skopeo', ['copy', '--dest-tls-verify=false', `oci:${join(dir, 'layout')}:v1`, `docker://${registries.anonymous.host}/${repository}:v1`]);
    const remote = new RegistryTarget(registries.anonymous.host, repository);
    expect((await remote.resolve('v1')).digest).toBe(pushed.descriptor.digest);
    const remoteRaw = (await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registries.anonymous.host}/${repository}:v1`])).stdout;
    expect(sha256Of(remoteRaw)).toBe(pushed.descriptor.digest);

    const pulled = await pullArtifact(remote, 'v1', join(dir, 'out'));
    for (const file of pulled.files) {
      expect(sha256Of(await readFile(file.path))).toBe(file.descriptor.digest);
      expect(sha256Of(await readFile(join(dir, file.title)))).toBe(file.descriptor.digest);
    }
  });

  it('skopeo copies what sealpack pushed to the registry into its own layout with the same manifest digest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sealpack-skopeo-'));
    await writeFile(join(dir, 'a.csv'), 'id,name\n1,x\n');
    const repository = uniqueRepository('skopeo');
    const remote = new RegistryTarget(registries.anonymous.host, repository);
    const pushed = await pushFiles(remote, [{ path: join(dir, 'a.csv') }], { tag: 'v1' });
    await run('skopeo', ['copy', '--src-tls-verify=false', `docker://${registries.anonymous.host}/${repository}:v1`, `oci:${join(dir, 'skopeo-layout')}:v1`]);
    const theirs = new LayoutTarget(join(dir, 'skopeo-layout'));
    expect((await theirs.resolve('v1')).digest).toBe(pushed.descriptor.digest);
  });

  it('skopeo reads a sealpack backup tar as an oci-archive', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sealpack-skopeo-'));
    await writeFile(join(dir, 'a.csv'), 'id\n1\n');
    const layout = new LayoutTarget(join(dir, 'layout'));
    const pushed = await pushFiles(layout, [{ path: join(dir, 'a.csv') }], { tag: 'v1' });
    await backup(layout, 'v1', join(dir, 'backup.tar'));
    const raw = (await run('skopeo', ['inspect', '--raw', `oci-archive:${join(dir, 'backup.tar')}:v1`])).stdout;
    expect(sha256Of(raw)).toBe(pushed.descriptor.digest);
  });
});
