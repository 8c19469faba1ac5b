import dns from 'node:dns';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueRepository } from '@sealpack/test-registry';
import { type CliResult, runCli } from './run-cli.ts';

// `--offline` promises no network request at all. The guard below fails every socket connect and
// DNS lookup made while a command runs (undici, fetch and tls all connect through net.Socket),
// and records it; the control case shows the guard does see a command that uses the network.
const registries = inject('registries');
const VECTORS = join(import.meta.dirname, '../../../../shared/vectors/cosign');

async function withoutNetwork(run: () => Promise<CliResult>): Promise<{ result: CliResult; attempts: string[] }> {
  const attempts: string[] = [];
  const connect = Socket.prototype.connect;
  const lookup = dns.lookup;
  Socket.prototype.connect = function guarded(this: Socket, ...args: unknown[]) {
    attempts.push(`connect ${JSON.stringify(args[0])}`);
    throw new Error('the network is off limits in this test');
  } as typeof connect;
  dns.lookup = ((host: string) => {
    attempts.push(`lookup ${host}`);
    throw new Error('the network is off limits in this test');
  }) as unknown as typeof dns.lookup;
  try {
    return { result: await run(), attempts };
  } finally {
    Socket.prototype.connect = connect;
    dns.lookup = lookup;
  }
}

let cwd: string;
let env: NodeJS.ProcessEnv;
let registryRef: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'sealpack-offline-'));
  env = { HOME: cwd, DOCKER_CONFIG: join(cwd, '.docker'), COSIGN_PASSWORD: 'offline' };
  await writeFile(join(cwd, 'data.txt'), 'verified with the network unplugged\n');
  await writeFile(join(cwd, 'prov.jsonld'), '{"@graph":[]}');
  registryRef = `${registries.anonymous.host}/${uniqueRepository()}:v1`;
  for (const args of [
    ['generate-key-pair'],
    ['push', 'ocidir://lay:v1', 'data.txt'],
    ['sign', 'ocidir://lay:v1', '--key', 'cosign.key', '--tlog-upload=false'],
    ['attest', 'ocidir://lay:v1', '--key', 'cosign.key', '--tlog-upload=false', '--predicate', 'prov.jsonld', '--type', 'prov'],
    ['copy', '-r', 'ocidir://lay:v1', registryRef],
  ]) {
    const done = await runCli(args, { cwd, env });
    expect({ args, code: done.code }).toEqual({ args, code: 0 });
  }
  await copyFile(join(VECTORS, 'oci-attestation.sigstore.json'), join(cwd, 'public-good.sigstore.json'));
});

describe('--offline makes no network request at all', () => {
  it('verifies signatures and attestations in a layout, and a public-good bundle, with every socket refused', async () => {
    const key = ['--key', 'cosign.pub', '--insecure-ignore-tlog', '--offline'];
    const verified = await withoutNetwork(() => runCli(['verify', 'ocidir://lay:v1', ...key], { cwd, env }));
    expect(verified.result).toMatchObject({ code: 0, stderr: '' });
    const attested = await withoutNetwork(() => runCli(['verify-attestation', 'ocidir://lay:v1', '--type', 'prov', ...key], { cwd, env }));
    expect(attested.result).toMatchObject({ code: 0, stderr: '' });
    // The public-good root embedded in @sigstore/tuf: read from the package, never fetched.
    const bundle = JSON.parse(await readFile(join(cwd, 'public-good.sigstore.json'), 'utf8')) as { dsseEnvelope: { payload: string } };
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8')) as { subject: Array<{ digest: { sha256: string } }> };
    const publicGood = await withoutNetwork(() =>
      runCli(
        [
          'conformance',
          'verify-bundle',
          '--bundle',
          'public-good.sigstore.json',
          '--certificate-identity',
          'cody@soyland.com',
          '--certificate-oidc-issuer',
          'https://github.com/login/oauth',
          `sha256:${statement.subject[0]?.digest.sha256 ?? ''}`,
        ],
        { cwd, env },
      ),
    );
    expect(publicGood.result.code).toBe(0);
    expect([...verified.attempts, ...attested.attempts, ...publicGood.attempts]).toEqual([]);
  });

  it('refuses a registry reference before any request, and the guard does catch one without --offline', async () => {
    const refused = await withoutNetwork(() => runCli(['verify', registryRef, '--key', 'cosign.pub', '--insecure-ignore-tlog', '--offline'], { cwd, env }));
    expect(refused.result).toMatchObject({ code: 2, stderr: expect.stringMatching(/--offline verifies a local OCI layout/) });
    expect(refused.attempts).toEqual([]);
    const refusedAttestation = await withoutNetwork(() => runCli(['verify-attestation', registryRef, '--type', 'prov', '--key', 'cosign.pub', '--offline'], { cwd, env }));
    expect(refusedAttestation).toMatchObject({ result: { code: 2 }, attempts: [] });
    const online = await withoutNetwork(() => runCli(['verify', registryRef, '--key', 'cosign.pub', '--insecure-ignore-tlog'], { cwd, env }));
    expect(online.result.code).not.toBe(0);
    expect(online.attempts.length).toBeGreaterThan(0);
  });
});
