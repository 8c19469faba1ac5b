import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ciIdentityToken } from './ci-identity.ts';

// A stand-in for GitHub Actions' OIDC token endpoint: it answers what a job's runner would.
const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
let status = 200;
const server = createServer((req, res) => {
  seen.push({ url: req.url ?? '', headers: req.headers });
  res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{"count":1,"value":"gha-oidc-token"}' : '{}');
});
let base = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('ciIdentityToken', () => {
  it("asks GitHub Actions' endpoint for a sigstore-audience token with the job's bearer token", async () => {
    status = 200;
    const env = { ACTIONS_ID_TOKEN_REQUEST_URL: `${base}/token?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-secret' };
    expect(await ciIdentityToken(env)).toBe('gha-oidc-token');
    const request = seen.at(-1);
    expect(new URL(request?.url ?? '', base).searchParams.get('audience')).toBe('sigstore');
    expect(new URL(request?.url ?? '', base).searchParams.get('api-version')).toBe('2.0');
    expect(request?.headers.authorization).toBe('Bearer runner-secret');
  });

  it('prefers SIGSTORE_ID_TOKEN, and has nothing to offer outside CI', async () => {
    const before = seen.length;
    expect(await ciIdentityToken({ SIGSTORE_ID_TOKEN: 'set-by-gitlab', ACTIONS_ID_TOKEN_REQUEST_URL: `${base}/token`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x' })).toBe('set-by-gitlab');
    expect(await ciIdentityToken({ HOME: '/home/me' })).toBeUndefined();
    expect(seen.length).toBe(before);
  });

  it('says what went wrong when the endpoint refuses, and when it cannot be reached', async () => {
    status = 403;
    await expect(ciIdentityToken({ ACTIONS_ID_TOKEN_REQUEST_URL: `${base}/token`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x' })).rejects.toMatchObject({
      code: 'IDENTITY_TOKEN',
      message: expect.stringMatching(/answered 403.*id-token: write/),
    });
    await expect(ciIdentityToken({ ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1/token', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x' })).rejects.toMatchObject({ code: 'SIGSTORE_SERVICE' });
  });

  it('an --oidc-provider reads its one source only: env, github-actions, or a mounted token file', async () => {
    status = 200;
    const both = { SIGSTORE_ID_TOKEN: 'from-env', ACTIONS_ID_TOKEN_REQUEST_URL: `${base}/token`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x' };
    expect(await ciIdentityToken(both, { provider: 'github-actions' })).toBe('gha-oidc-token');
    expect(await ciIdentityToken(both, { provider: 'env' })).toBe('from-env');
    expect(await ciIdentityToken({ ACTIONS_ID_TOKEN_REQUEST_URL: `${base}/token`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x' }, { provider: 'env' })).toBeUndefined();
    const dir = await mkdtemp(join(tmpdir(), 'sealpack-oidc-'));
    await writeFile(join(dir, 'oidc-token'), 'mounted-token\n');
    expect(await ciIdentityToken({}, { provider: 'filesystem', tokenFile: join(dir, 'oidc-token') })).toBe('mounted-token');
    await expect(ciIdentityToken({}, { provider: 'filesystem', tokenFile: join(dir, 'absent') })).rejects.toMatchObject({ code: 'IDENTITY_TOKEN', message: expect.stringMatching(/no token at/) });
  });
});
