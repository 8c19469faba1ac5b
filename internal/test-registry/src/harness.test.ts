import { request } from 'node:http';
import { describe, expect, inject, it } from 'vitest';
import { startFaultProxy } from './fault-proxy.ts';
import { startFakeRegistry } from './fake-registry.ts';
import { startRecordingProxy } from './recording-proxy.ts';
import { startRegistryProcess } from './registry-process.ts';
import { fixturePath, startTokenAuthRegistry, TEST_PASSWORD, TEST_USER } from './token-registry.ts';

const registries = inject('registries');

/** One HTTP request to 127.0.0.1, its status and body. */
function get(host: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const [hostname, port] = host.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port: Number(port), path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('the test harness', () => {
  it('starts real registries that answer the distribution API, with and without auth', async () => {
    expect((await get(registries.anonymous.host, '/v2/')).status).toBe(200);
    expect((await get(registries.basic.host, '/v2/')).status).toBe(401);
    expect((await get(registries.basic.host, '/v2/', { authorization: basic(TEST_USER, TEST_PASSWORD) })).status).toBe(200);
    expect((await get(registries.token.host, '/v2/')).status).toBe(401);
  });

  it('stops a registry by PID: nothing listens on its port afterwards', async () => {
    const registry = await startRegistryProcess({ kind: 'htpasswd', htpasswdPath: fixturePath('htpasswd-mirror') });
    expect((await get(registry.host, '/v2/')).status).toBe(401);
    await registry.stop();
    expect(() => process.kill(registry.pid, 0)).toThrow();
    await expect(get(registry.host, '/v2/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('the token server issues tokens the registry takes, and a revoked one is refused through the proxy', async () => {
    const { registry, tokens, stop } = await startTokenAuthRegistry();
    const proxy = await startRecordingProxy(registry.port, { rewriteAuthorization: (v) => (tokens.isRevoked(v.slice('Bearer '.length)) ? 'Bearer revoked' : undefined) });
    try {
      const answer = await get(tokens.url.replace('http://', '').replace('/token', ''), '/token?service=x&scope=repository:a/b:pull', { authorization: basic(TEST_USER, TEST_PASSWORD) });
      const { token } = JSON.parse(answer.body) as { token: string };
      expect((await get(proxy.host, '/v2/', { authorization: `Bearer ${token}` })).status).toBe(200);
      tokens.revokeIssued();
      expect((await get(proxy.host, '/v2/', { authorization: `Bearer ${token}` })).status).toBe(401);
      expect(proxy.requests.map((r) => r.status)).toEqual([200, 401]);
      const server = tokens.url.replace('http://', '').replace('/token', '');
      expect((await get(server, '/token?scope=x', { authorization: basic(TEST_USER, 'wrong') })).status).toBe(401);
      expect((await get(server, '/token?scope=x')).status).toBe(401);
      expect((await get(server, '/elsewhere')).status).toBe(404);
      expect(tokens.requests.map((r) => r.user)).toEqual([TEST_USER, undefined, undefined]);
    } finally {
      await proxy.stop();
      await stop();
    }
  });

  it('the recording proxy tells which Basic users reached it', async () => {
    const proxy = await startRecordingProxy(registries.basic.port);
    try {
      await get(proxy.host, '/v2/');
      await get(proxy.host, '/v2/', { authorization: basic('alice', 'x') });
      await get(proxy.host, '/v2/', { authorization: basic(TEST_USER, TEST_PASSWORD) });
      expect(proxy.basicUsers()).toEqual(['alice', TEST_USER]);
      expect(proxy.basicUsers(2)).toEqual([TEST_USER]);
      expect(proxy.requests.map((r) => r.status)).toEqual([401, 401, 200]);
    } finally {
      await proxy.stop();
    }
  });

  it('the fault proxy forwards, counts, reports a stall when it happens, and cuts', async () => {
    const fake = await startFakeRegistry((_req, res) => res.writeHead(200).end('x'.repeat(10_000)));
    const proxy = await startFaultProxy(Number(fake.host.split(':')[1]));
    try {
      expect((await get(proxy.host, '/a')).body).toHaveLength(10_000);
      expect(proxy.downstreamBytes).toBeGreaterThan(10_000);
      proxy.stallAfter('downstream', 100);
      const stalled = proxy.whenStalled();
      const pending = get(proxy.host, '/b');
      pending.catch(() => undefined);
      await stalled;
      proxy.cutAfter('upstream', 0);
      await expect(get(proxy.host, '/c')).rejects.toBeDefined();
      expect(proxy.cuts).toBe(1);
    } finally {
      await proxy.stop();
      await fake.stop();
    }
  });
});
