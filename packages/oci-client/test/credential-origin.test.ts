import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { askingForBasic, fakeRegistryGroup, fixturePath, readRequestBody, type FakeRegistry } from '@sealpack/test-registry';
import { bytesSource, sha256Of, staticCredential, type Descriptor } from '../src/index.ts';
import { RegistryTarget } from '../src/entries/registry.ts';

// Credentials (Basic, and a bearer token obtained for this registry) belong to the registry's own
// origin. A Link, an upload Location or a redirect may name another origin (storage backends do,
// distribution-spec "Pushing a blob monolithically"); the request there goes without Authorization.
const PASSWORD = 'alice-secret-for-the-registry-only';
const credentials = staticCredential({ kind: 'basic', username: 'alice', password: PASSWORD });
const fastRetry = { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 };
const blob = new TextEncoder().encode('the blob');
const blobDescriptor: Descriptor = { mediaType: 'application/octet-stream', digest: sha256Of(blob), size: blob.byteLength };

const servers = fakeRegistryGroup();
const start = servers.start;
afterEach(servers.stopAll);

/** Starts every blob upload (distribution-spec "Pushing blobs") with a session Location on `other`. */
function uploadingTo(other: FakeRegistry) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST') return void res.writeHead(202, { location: `http://${other.host}/upload/abc` }).end();
    res.writeHead(404).end();
  };
}

/** A token service (distribution token-auth) that hands anyone the token `registry-token`. */
const tokenService = (_req: IncomingMessage, res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"registry-token"}');

/** Wraps a handler so that a request without the token is challenged for one from `tokens` (distribution token-auth). */
function bearerFrom(tokens: FakeRegistry) {
  return (handler: (req: IncomingMessage, res: ServerResponse) => void) => (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== 'Bearer registry-token') {
      return void res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${tokens.host}/token",service="registry"` }).end();
    }
    handler(req, res);
  };
}

/** Answers everything a client may send it, so nothing but the headers it saw matters. */
const permissive = (req: IncomingMessage, res: ServerResponse) => {
  if (req.url?.includes('/tags/list') === true) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"name":"x","tags":["elsewhere"]}');
  if (req.method === 'PUT') return void readRequestBody(req).then(() => res.writeHead(201).end());
  res.writeHead(202).end();
};

const authorized = (server: FakeRegistry) => server.requests.filter((r) => r.headers.authorization !== undefined);

describe('credentials go to the registry origin only', () => {
  it('a tag-list Link to another origin is refused, not sent the Basic credentials', async () => {
    const other = await start(permissive);
    const registry = await start(
      askingForBasic((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', link: `<http://${other.host}/v2/x/tags/list?n=1000>; rel="next"` }).end('{"name":"x","tags":["v1"]}');
      }),
    );
    const target = new RegistryTarget(registry.host, 'x', { credentials, retry: fastRetry });
    // The next page of the registry's list is the registry's to give: refused, and not asked for.
    await expect(target.tags()).rejects.toMatchObject({ code: 'REGISTRY_ERROR', message: expect.stringMatching(/another origin/) });
    await target.close();
    expect(authorized(registry).length).toBeGreaterThan(0);
    expect(other.requests).toEqual([]);
  });

  it.each([
    ['Basic credentials', async () => askingForBasic],
    ['a bearer token obtained for the registry', async () => bearerFrom(await start(tokenService))],
  ])('an upload Location on another origin gets the PUT without %s', async (_what, auth) => {
    const other = await start(permissive);
    const registry = await start((await auth())(uploadingTo(other)));
    const target = new RegistryTarget(registry.host, 'x', { credentials, retry: fastRetry });
    await target.push(blobDescriptor, bytesSource(blob));
    await target.close();
    expect(authorized(registry).length).toBeGreaterThan(0);
    expect(other.requests.map((r) => r.method)).toEqual(['PUT']);
    expect(authorized(other)).toEqual([]);
  });

  it('a failed upload to another origin is cancelled there without the Basic credentials', async () => {
    const other = await start((req, res) => {
      if (req.method === 'PUT') return void readRequestBody(req).then(() => res.writeHead(400).end());
      res.writeHead(204).end();
    });
    const registry = await start(askingForBasic(uploadingTo(other)));
    const target = new RegistryTarget(registry.host, 'x', { credentials, retry: fastRetry });
    await expect(target.push(blobDescriptor, bytesSource(blob))).rejects.toMatchObject({ code: 'REGISTRY_ERROR' });
    await target.close();
    expect(other.requests.map((r) => r.method)).toEqual(['PUT', 'DELETE']);
    expect(authorized(other)).toEqual([]);
  });

  it('a registry over TLS naming a token realm over plain HTTP is not sent the credentials there', async () => {
    const tokens = await start(tokenService);
    const tls = { key: await readFile(fixturePath('tls-localhost.key'), 'utf8'), cert: await readFile(fixturePath('tls-localhost.crt'), 'utf8') };
    const registry = await start(
      bearerFrom(tokens)((_req, res) => res.writeHead(404).end()),
      tls,
    );
    const target = new RegistryTarget(registry.host, 'x', { credentials, insecure: true, retry: fastRetry });
    await expect(target.tags()).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/clear text/) });
    await target.close();
    expect(tokens.requests).toEqual([]);
  });
});
