import { execFile } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { uniqueRepository } from '@sealpack/test-registry';
import { describe, expect, inject, it } from 'vitest';
import { main } from '@sealpack/cli';
import { openTarget, parseReference, referenceSelector } from '@sealpack/oci-client';
import { judgeArtifact, parsePolicy } from '@sealpack/policy';
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
    // Without its declassification the derivative is denied: never tagged, its untagged manifest and referrers gone, in no catalog.
    expect(transcript).toMatch(/✘ inherits +labelled public, lower than its inputs/);
    expect(transcript).toMatch(/not published: ocidir:\/\/\S+restricted\/sites-undeclared@sha256:[a-f0-9]{64} and the 3 referrer\(s\) this run attached .* were deleted; no tag names them/);
    expect(transcript).not.toMatch(/Published \S+sites-undeclared/);
    expect(transcript).toMatch(/tag '2026' not found in \S+restricted\/sites-undeclared/);
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

describe('one judge: the library and the CLI give the same verdict on the demo’s artifacts', () => {
  it('allowed and denied, rule by rule', async () => {
    const workDir = join(await mkdtemp(join(tmpdir(), 'sealpack-demo-judge-')), 'work');
    const result = await runDemo({ workDir, write: () => undefined });
    const policyText = await readFile(result.policy, 'utf8');
    // The same policy without its trusted declassifier: the generalised sites are then denied.
    await writeFile(join(workDir, 'strict.yaml'), policyText.replace(/declassifiers: \[[^\]]*\]/, 'declassifiers: []').replace('name: open-when-safe', 'name: strict'));
    const publicKey = createPublicKey(await readFile(join(workDir, 'cosign.pub'), 'utf8'));
    const cases = [
      [result.world, result.policy, true],
      [result.publicSites, result.policy, true],
      [result.publicSites, join(workDir, 'strict.yaml'), false],
    ] as const;
    for (const [reference, policyFile, allowed] of cases) {
      const out = new PassThrough();
      let printed = '';
      out.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
      const code = await main(['policy', 'check', reference, '--policy', policyFile, '--key', 'cosign.pub', '--insecure-ignore-tlog', '--format', 'json'], {
        stdout: out,
        stderr: new PassThrough(),
        stdin: new PassThrough(),
        env: { HOME: workDir },
        cwd: workDir,
      });
      expect(code).toBe(allowed ? 0 : 1);
      const cli = JSON.parse(printed) as { allow: boolean };

      const ref = parseReference(reference);
      const located = ref.kind === 'layout' ? { ...ref, path: resolve(workDir, ref.path) } : ref;
      const target = openTarget(located);
      const subject = await target.resolve(referenceSelector(located) as string);
      const library = await judgeArtifact(target, subject, {
        reference,
        pinned: true,
        verifyPolicy: { publicKey, ignoreTlog: true },
        policy: parsePolicy(await readFile(policyFile, 'utf8'), policyFile),
        openInput: async (input) => openTarget(input.kind === 'layout' ? { ...input, path: resolve(workDir, input.path) } : input),
      });
      expect(library.allow).toBe(allowed);
      expect(library.decision).toEqual(cli);
    }
  });
});
