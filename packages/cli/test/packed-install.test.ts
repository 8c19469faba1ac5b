import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const workspace = fileURLToPath(new URL('../../..', import.meta.url));
const published = ['packages/oci-client', 'packages/signing', 'packages/provenance', 'packages/catalog-stac-dcat', 'packages/policy', 'packages/lifecycle', 'packages/cli'];

// The packages as a user gets them: packed tarballs installed with plain npm into a project outside
// the monorepo, so a missing file, a workspace-only import or a wrong `exports` map fails here.
let project: string;
let tarballs: string[];
beforeAll(async () => {
  const root = await mkdtemp(join(tmpdir(), 'sealpack-packed-'));
  const out = join(root, 'tarballs');
  project = join(root, 'project');
  await mkdir(project);
  for (const dir of published) await run('pnpm', ['pack', '--pack-destination', out], { cwd: join(workspace, dir) });
  tarballs = (await readdir(out)).map((name) => join(out, name));
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], { cwd: project });
}, 180_000);

describe('the packed packages, installed with npm outside the monorepo', () => {
  it('pass publint and are-the-types-wrong (ESM only)', async () => {
    for (const dir of published) {
      const { stdout } = await run('pnpm', ['exec', 'publint', 'run', '--strict', join(workspace, dir)], { cwd: workspace });
      expect(stdout).toMatch(/All good!/);
    }
    for (const tarball of tarballs) await run('pnpm', ['exec', 'attw', tarball, '--profile', 'esm-only'], { cwd: workspace });
  }, 120_000);

  it('the library imports from its root and subpaths, and does real work', async () => {
    await writeFile(join(project, 'data.txt'), 'packed\n');
    await writeFile(
      join(project, 'use.mjs'),
      [
        "import { openTarget, parseReference, pushFiles, pullArtifact } from '@sealpack/oci-client';",
        "import { LayoutTarget } from '@sealpack/oci-client/layout';",
        "import { RegistryTarget } from '@sealpack/oci-client/registry';",
        "import { FileDigestCache } from '@sealpack/oci-client/cache';",
        "import { generateKeyPairSync } from 'node:crypto';",
        "import { keySigner, signManifest } from '@sealpack/signing';",
        "import { verifyAttached } from '@sealpack/signing/verify';",
        "import { buildRunManifest, runManifestDigest } from '@sealpack/provenance';",
        "import { StacValidator } from '@sealpack/catalog-stac-dcat';",
        "import { parsePolicy } from '@sealpack/policy';",
        "import { parseLifecycleConfig } from '@sealpack/lifecycle';",
        "import { readFileSync } from 'node:fs';",
        "const target = openTarget(parseReference('ocidir://lay'));",
        "const pushed = await pushFiles(target, [{ path: 'data.txt' }], { tag: 'v1', created: null });",
        "await pullArtifact(target, 'v1', 'out');",
        "const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });",
        "await signManifest(target, pushed.descriptor, { signer: keySigner(privateKey), subjectName: 'lay' });",
        'const verdicts = await verifyAttached(target, pushed.descriptor, { publicKey, ignoreTlog: true });',
        "const run = buildRunManifest({ runId: 'r', startedAt: '2026-12-04T00:00:00Z', endedAt: '2026-12-04T00:00:00Z', inputs: [], outputs: [{ name: 'data.txt', sha256: pushed.descriptor.digest.slice(7) }], parameters: {}, toolchain: [], environment: { os: 'x', arch: 'y', node: 'z' } });",
        'console.log(JSON.stringify({ digest: pushed.descriptor.digest, layout: target instanceof LayoutTarget, classes: [typeof RegistryTarget, typeof FileDigestCache], signed: verdicts.map((v) => v.valid), run: runManifestDigest(run), stac: new StacValidator().validate({ stac_version: "1.1.0", type: "Catalog", id: "c", description: "d", links: [] }).valid, policy: parsePolicy(readFileSync("node_modules/@sealpack/policy/examples/baseline.yaml", "utf8")).metadata.name, environments: Object.keys(parseLifecycleConfig(readFileSync("node_modules/@sealpack/lifecycle/examples/environments.yaml", "utf8")).environments) }));',
      ].join('\n'),
    );
    const { stdout } = await run('node', ['use.mjs'], { cwd: project });
    expect(JSON.parse(stdout)).toMatchObject({
      digest: expect.stringMatching(/^sha256:[a-f0-9]{64}$/),
      layout: true,
      classes: ['function', 'function'],
      signed: [true],
      run: expect.stringMatching(/^sha256:[a-f0-9]{64}$/),
    });
    expect(await readFile(join(project, 'out', 'data.txt'), 'utf8')).toBe('packed\n');
  });

  it('the sealpack bin runs: push and resolve agree on the digest', async () => {
    const bin = join(project, 'node_modules', '.bin', 'sealpack');
    await writeFile(join(project, 'notes.txt'), 'hello\n');
    const pushed = await run(bin, ['push', 'ocidir://bin-lay:v1', 'notes.txt', '--json'], { cwd: project, env: { ...process.env, HOME: project } });
    const { digest } = JSON.parse(pushed.stdout) as { digest: string };
    const resolved = await run(bin, ['resolve', 'ocidir://bin-lay:v1'], { cwd: project });
    expect(resolved.stdout.trim()).toBe(digest);
    expect((await run(bin, ['--version'], { cwd: project })).stdout).toMatch(/^sealpack \d+\.\d+\.\d+\n$/);
  });
});
