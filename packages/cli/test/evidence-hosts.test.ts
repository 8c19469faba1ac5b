import { mkdtemp, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeRegistry, type FakeRegistry } from '@sealpack/test-registry';
import { sha256Of } from '@sealpack/oci-client';
import { runCli } from './run-cli.ts';

// Issue 19, item 7: command-line credentials belong to the hosts the command's own arguments name;
// a registry named inside evidence (a PROV input, --derived-from) gets docker-config credentials
// only, and under --offline no request at all.
const BASELINE = fileURLToPath(new URL('../../policy/examples/baseline.yaml', import.meta.url));
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const manifest = JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256Of('{}'), size: 2 }, layers: [] });
const PASSWORD = 'alice-only-for-the-destination';
const leaked = (registry: FakeRegistry) => registry.requests.filter((r) => r.headers.authorization?.includes(Buffer.from(`alice:${PASSWORD}`).toString('base64')) === true);

/** Registry B: serves data/x:v1, and asks for credentials when `challenge` (so a client would send any it holds). */
function registryB(challenge: () => boolean) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (challenge() && req.headers.authorization === undefined) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="b"' }).end();
    // data/x:v1 (by tag or digest) is all it holds: no referrers, no tag-schema referrers index.
    if (req.url?.startsWith('/v2/data/x/manifests/') === true && req.url.includes('/manifests/sha256-') === false) {
      const head = { 'content-type': MANIFEST, 'docker-content-digest': sha256Of(manifest), 'content-length': String(Buffer.byteLength(manifest)) };
      return void res.writeHead(200, head).end(req.method === 'HEAD' ? undefined : manifest);
    }
    res.writeHead(404).end();
  };
}

let b: FakeRegistry | undefined;
let cwd: string;
const env = () => ({ HOME: cwd, DOCKER_CONFIG: join(cwd, '.docker'), COSIGN_PASSWORD: 'evidence' });
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'sealpack-evidence-hosts-'));
  await writeFile(join(cwd, 'data.txt'), 'made from B\n');
  expect((await runCli(['generate-key-pair'], { cwd, env: env() })).code).toBe(0);
});
afterEach(async () => {
  await b?.stop();
  b = undefined;
});

const publish = (host: string, ...extra: string[]) =>
  runCli(['publish', 'data.txt', '--to', 'ocidir://out:v1', '--key', 'cosign.key', '--tlog-upload=false', '--derived-from', `${host}/data/x:v1`, '-a', 'dev.sealpack.sensitivity=public', ...extra], {
    cwd,
    env: env(),
    stdin: `${PASSWORD}\n`,
  });

describe('credentials and --offline at registries named inside evidence', () => {
  it('-u/--password-stdin given for the destination are never sent to the registry --derived-from names', async () => {
    b = await startFakeRegistry(registryB(() => true));
    await publish(b.host, '-u', 'alice', '--password-stdin');
    expect(b.requests.length).toBeGreaterThan(0);
    expect(leaked(b)).toEqual([]);
  });

  it('SEALPACK_USERNAME/PASSWORD are never sent to a registry a PROV input names (verify --policy, lineage)', async () => {
    let challenge = false;
    b = await startFakeRegistry(registryB(() => challenge));
    expect((await publish(b.host)).code).toBe(0);
    challenge = true;
    const withCreds = { ...env(), SEALPACK_USERNAME: 'alice', SEALPACK_PASSWORD: PASSWORD };
    await runCli(['verify', 'ocidir://out:v1', '--key', 'cosign.pub', '--insecure-ignore-tlog', '--policy', BASELINE], { cwd, env: withCreds });
    await runCli(['lineage', 'ocidir://out:v1'], { cwd, env: withCreds });
    expect(leaked(b)).toEqual([]);
  });

  it('verify --offline --policy makes no request to a registry a PROV input names', async () => {
    b = await startFakeRegistry(registryB(() => false));
    expect((await publish(b.host)).code).toBe(0);
    const before = b.requests.length;
    await runCli(['verify', 'ocidir://out:v1', '--key', 'cosign.pub', '--insecure-ignore-tlog', '--offline', '--policy', BASELINE, '--json'], { cwd, env: env() });
    expect(b.requests.length).toBe(before);
  });
});
