import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { uniqueRepository } from '@sealpack/test-registry';
import { describe, expect, inject, it } from 'vitest';
import { runDemo } from './demo.ts';

const run = promisify(execFile);

describe('the README’s first command', () => {
  it.each([
    ['a second layout', () => undefined],
    ['the real registry', () => `${inject('registries').anonymous.host}`],
  ])('publishes, refuses the leak, declassifies, verifies and distributes to %s', async (_where, registry) => {
    const workDir = join(await mkdtemp(join(tmpdir(), 'sealpack-demo-')), uniqueRepository().replace(/\//g, '-'));
    let transcript = '';
    const target = registry();
    const result = await runDemo({ workDir, write: (text) => (transcript += text), ...(target === undefined ? {} : { registry: target }) });

    expect(result.world).toMatch(/^ocidir:\/\/public\/world@sha256:[a-f0-9]{64}$/);
    expect(result.distributed.endsWith(result.world.slice(-71))).toBe(true);
    if (target !== undefined) {
      expect(result.distributed.startsWith(`${target}/sealpack-demo/world@`)).toBe(true);
      // The peer client reads the distributed publication: the bytes of the same manifest digest.
      const raw = (await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${result.distributed}`], { encoding: 'buffer' })).stdout;
      expect(`sha256:${createHash('sha256').update(raw).digest('hex')}`).toBe(result.world.slice(-71));
    }
    // The refused publish said why, and the gate's table was printed for each release.
    expect(transcript).toMatch(/public\/sites-exact is not a destination for restricted artifacts .*\[DESTINATION_DENIED\]/);
    expect(transcript.match(/^ALLOW {2}sha256:/gm)?.length).toBeGreaterThanOrEqual(5);
    expect(await readdir(join(workDir, 'public'))).toEqual(['sites', 'world']);
    // Without its declassification the derivative is denied: pushed and signed, but in no catalog.
    expect(transcript).toMatch(/✘ inherits +labelled public, lower than its inputs/);
    expect(result.undeclaredSites).toMatch(/^ocidir:\/\/staging\/sites-undeclared@sha256:/);
    await expect(readdir(join(workDir, 'evidence/undeclared-sites'))).resolves.not.toContain('sites-generalised.stac.json');

    // The derivative's PROV names the restricted original by digest and the declassifying parameters.
    const prov = JSON.parse(await readFile(join(workDir, 'evidence/public-sites/prov.jsonld'), 'utf8')) as { '@graph': Array<{ used?: string[]; parameter?: Array<{ key: string; value: string }> }> };
    const activity = prov['@graph'][0];
    expect(activity?.used).toContain(`ocidir://${join(workDir, result.restrictedSites.slice('ocidir://'.length))}`);
    expect(activity?.parameter).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'declassification', value: 'coordinates-generalised' })]));
    // The public catalog record points at the derivative only; the restricted one's public text is redacted.
    const publicRecord = await readFile(join(workDir, 'evidence/public-sites/sites-generalised.stac.json'), 'utf8');
    expect(publicRecord).toContain(result.publicSites.slice(-64));
    expect(publicRecord).not.toContain(result.restrictedSites.slice(-64));
    const redacted = JSON.parse(await readFile(join(workDir, 'evidence/restricted-sites/sites.stac.json'), 'utf8'));
    expect(redacted.properties['distribution:oci']).toMatchObject({ redacted: true });
    expect(JSON.stringify(redacted.assets)).not.toContain('sha256:');
    // The world's STAC and DCAT records name the digest-pinned files.
    const stac = JSON.parse(await readFile(join(workDir, 'evidence/world/world.stac.json'), 'utf8')) as { assets: Record<string, { href: string }> };
    for (const asset of Object.values(stac.assets)) expect(asset.href).toContain(`${result.world.slice(-71)}#data%2Fcountries.`);
    expect(await readFile(join(workDir, 'evidence/world/world.dcat.jsonld'), 'utf8')).toContain(result.world.slice(-64));
  });
});
