import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueRepository } from '@sealpack/test-registry';
import { runCli } from './run-cli.ts';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const RACERS = 4;
const ROUNDS = 2;

/**
 * An HTTP proxy in front of the real registry that holds every claim on the prod environment
 * (PUT …/manifests/sealpack-lock.prod) until all racers have sent theirs, then lets them through
 * together: the race is made to happen every time, whatever the machine's speed.
 */
async function startBarrierProxy(registry: string): Promise<{ host: string; arm(count: number): void; stop(): Promise<void> }> {
  let expected = 0;
  let held: Array<() => void> = [];
  const forward = (req: IncomingMessage, body: Buffer, res: import('node:http').ServerResponse) => {
    const [hostname, port] = registry.split(':');
    const upstream = request({ hostname, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.end(body);
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (expected > 0 && req.method === 'PUT' && /\/manifests\/sealpack-lock\.prod$/.test(req.url ?? '')) {
        held.push(() => forward(req, body, res));
        if (held.length === expected) {
          const release = held;
          held = [];
          expected = 0;
          for (const go of release) go();
        }
        return;
      }
      forward(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    arm: (count) => {
      expected = count;
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let proxy: Awaited<ReturnType<typeof startBarrierProxy>>;
beforeAll(async () => {
  proxy = await startBarrierProxy(inject('registries').anonymous.host);
});
afterAll(async () => {
  await proxy?.stop();
});

describe('two promotions racing for one environment (concurrent processes, real registry)', () => {
  it(`exactly one of ${RACERS} wins each round, the others write nothing, and the history agrees with the tag`, async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'sealpack-race-'));
    const env = { ...process.env, HOME: cwd, DOCKER_CONFIG: join(cwd, '.docker'), COSIGN_PASSWORD: 'race' };
    const policy = fileURLToPath(new URL('../../policy/examples/baseline.yaml', import.meta.url));
    await writeFile(
      join(cwd, 'environments.yaml'),
      `apiVersion: sealpack.dev/lifecycle/v1\nkind: Environments\npolicy: ${policy}\nlockSettleMs: 300\nenvironments:\n  staging:\n    tag: '{version}-rc'\n  prod:\n    tag: prod\n    from: staging\n`,
    );
    const cli = async (args: string[]) => {
      const result = await runCli(args, { cwd, env });
      expect({ args, code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ args, code: 0, stderr: '' });
      return result.stdout;
    };
    const repo = `${proxy.host}/${uniqueRepository()}`;
    await cli(['generate-key-pair']);
    const keys = ['--config', 'environments.yaml', '--key', 'cosign.pub', '--insecure-ignore-tlog', '--signing-key', 'cosign.key', '--tlog-upload=false'];
    const digests: string[] = [];
    for (let i = 0; i < RACERS; i++) {
      await writeFile(join(cwd, 'data.json'), `{"racer":${i}}`);
      const labels = ['-a', `org.opencontainers.image.version=1.0.${i}`, '-a', 'org.opencontainers.image.licenses=CC-BY-4.0', '-a', 'dev.sealpack.sensitivity=public'];
      const digest = (JSON.parse(await cli(['push', `${repo}:1.0.${i}`, 'data.json', ...labels, '--json'])) as { digest: string }).digest;
      await cli(['sign', `${repo}@${digest}`, '--key', 'cosign.key', '--tlog-upload=false']);
      await cli(['provenance', 'build', '--output', `${repo}@${digest}`, '--input', 'data.json', '-o', `run-${i}`]);
      await cli(['attest', `${repo}@${digest}`, '--predicate', `run-${i}/prov.jsonld`, '--type', 'prov', '--key', 'cosign.key', '--tlog-upload=false']);
      await cli(['promote', `${repo}@${digest}`, '--to', 'staging', ...keys]);
      digests.push(digest);
    }

    const winners: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      proxy.arm(RACERS);
      const outcomes = await Promise.all(
        digests.map((digest) =>
          run(process.execPath, [BIN, 'promote', `${repo}@${digest}`, '--to', 'prod', ...keys, '--json'], { cwd, env }).then(
            (ok) => ({ digest, code: 0, stderr: ok.stderr }),
            (failed: { code?: number; stderr?: string }) => ({ digest, code: failed.code ?? -1, stderr: failed.stderr ?? '' }),
          ),
        ),
      );
      const won = outcomes.filter((o) => o.code === 0);
      expect(won).toHaveLength(1);
      for (const lost of outcomes.filter((o) => o.code !== 0)) expect(lost).toMatchObject({ code: 1, stderr: expect.stringMatching(/claimed it at the same time.*\[LOST_RACE\]/) });
      winners.push((won[0] as { digest: string }).digest);
      expect((await cli(['resolve', `${repo}:prod`])).trim()).toBe(won[0]?.digest);
    }
    // One record per round, newest first, each the winner's: the history agrees with the tag.
    const history = JSON.parse(await cli(['history', repo, '--env', 'prod', '--key', 'cosign.pub', '--insecure-ignore-tlog', '--json'])) as { entries: Array<{ digest: string }> };
    expect(history.entries.map((e) => e.digest)).toEqual([...winners].reverse());
    expect((await cli(['tags', repo])).split('\n')).not.toContain('sealpack-lock.prod');
  }, 180_000);
});
