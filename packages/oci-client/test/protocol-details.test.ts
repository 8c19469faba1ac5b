import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { fixturePath as fixture, readRequestBody, startFakeRegistry, type FakeRegistry } from '@sealpack/test-registry';
import { bytesSource, sha256Of, staticCredential } from '../src/index.ts';
import { RegistryTarget } from '../src/entries/registry.ts';

const fastRetry = { attempts: 2, baseDelayMs: 5, maxDelayMs: 10 };
let fake: FakeRegistry | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

describe('distribution-spec details a full registry uses', () => {
  it('follows Link pagination for tags (distribution-spec "Listing Tags") and sorts the union', async () => {
    fake = await startFakeRegistry((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const last = url.searchParams.get('last');
      if (last === null)
        return void res.writeHead(200, { link: '</v2/data/x/tags/list?n=2&last=b>; rel="next"', 'content-type': 'application/json' }).end(JSON.stringify({ name: 'data/x', tags: ['c', 'b'] }));
      if (last === 'b') return void res.writeHead(200, { link: `<http://${req.headers.host}/v2/data/x/tags/list?n=2&last=d>; rel="next"` }).end(JSON.stringify({ name: 'data/x', tags: ['a', 'd'] }));
      res.writeHead(200).end(JSON.stringify({ name: 'data/x', tags: null }));
    });
    const target = new RegistryTarget(fake.host, 'data/x');
    expect(await target.tags()).toEqual(['a', 'b', 'c', 'd']);
    expect(fake.requests).toHaveLength(3);
  });

  it('keeps the connection open across HEAD requests (a HEAD response has no body, RFC 9110 §9.3.2)', async () => {
    const sockets = new Set<unknown>();
    fake = await startFakeRegistry((req, res) => {
      sockets.add(req.socket);
      res.writeHead(req.method === 'HEAD' ? 404 : 200, { 'content-length': '0' }).end();
    });
    const target = new RegistryTarget(fake.host, 'data/x');
    for (let i = 0; i < 20; i++) {
      expect(await target.exists({ mediaType: 'application/octet-stream', digest: sha256Of(new TextEncoder().encode(String(i))), size: 1 })).toBe(false);
    }
    await target.close();
    expect(fake.requests.filter((r) => r.method === 'HEAD')).toHaveLength(20);
    // undici opens a second connection once, for a request sent before the first connection is back
    // in its pool (it is with GET too); without keep-alive on HEAD this was one connection each.
    expect(sockets.size).toBeLessThanOrEqual(2);
  });

  it.each([
    ['a plain 404 (no referrers API) sends later lookups straight to the tag schema', '404 page not found', 1],
    ['a NAME_UNKNOWN 404 (no such repository yet) says nothing about the API', '{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}', 3],
  ])('asks for the referrers API until the registry shows it has none: %s', async (_name, body, apiRequests) => {
    fake = await startFakeRegistry((_req, res) => void res.writeHead(404, { 'content-type': 'text/plain' }).end(body));
    const target = new RegistryTarget(fake.host, 'data/x');
    for (const text of ['a', 'b', 'c']) {
      expect(await target.referrers({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256Of(new TextEncoder().encode(text)), size: 1 })).toEqual([]);
    }
    expect(fake.requests.filter((r) => r.url.includes('/referrers/'))).toHaveLength(apiRequests);
    // Every lookup still read the subject's tag-schema index.
    expect(fake.requests.filter((r) => r.url.includes('/manifests/sha256-'))).toHaveLength(3);
    expect(target.readsReferrersByTagSchema).toBe(apiRequests === 1);
  });

  describe('a blob pushed with mountFrom (copy between repositories of one registry)', () => {
    const blob = new TextEncoder().encode('shared evidence');
    const descriptor = { mediaType: 'application/octet-stream', digest: sha256Of(blob), size: blob.byteLength };
    const routes = (answers: { mount: number; head: number }) => (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'POST') {
        if (url.searchParams.has('mount') && answers.mount === 404) return void res.writeHead(404).end();
        if (answers.mount === 201) return void res.writeHead(201, { location: `/v2/data/to/blobs/${descriptor.digest}` }).end();
        return void res.writeHead(202, { location: '/v2/data/to/blobs/uploads/session-1' }).end();
      }
      if (req.method === 'HEAD') return void res.writeHead(answers.head).end();
      if (req.method === 'DELETE') return void res.writeHead(204).end();
      if (req.method === 'PUT' && url.pathname.endsWith('/session-1') && url.searchParams.get('digest') === descriptor.digest) {
        return void readRequestBody(req).then((bytes) => res.writeHead(bytes.equals(Buffer.from(blob)) ? 201 : 400).end());
      }
      res.writeHead(404).end();
    };
    const calls = () => (fake?.requests ?? []).map((r) => `${r.method} ${new URL(r.url, 'http://x').pathname.replace(descriptor.digest, 'DIGEST')}`);

    it('mounts with one POST and no HEAD where the registry mounts', async () => {
      fake = await startFakeRegistry(routes({ mount: 201, head: 404 }));
      await new RegistryTarget(fake.host, 'data/to').pushMounting(descriptor, bytesSource(blob), 'data/from');
      expect(calls()).toEqual(['POST /v2/data/to/blobs/uploads/']);
      expect(fake.requests[0]?.url).toContain(`mount=${encodeURIComponent(descriptor.digest)}`);
    });

    it('where it opens a session instead, gives the session back if the blob is there, else uploads into it', async () => {
      fake = await startFakeRegistry(routes({ mount: 202, head: 200 }));
      await new RegistryTarget(fake.host, 'data/to').pushMounting(descriptor, bytesSource(blob), 'data/from');
      expect(calls()).toEqual(['POST /v2/data/to/blobs/uploads/', 'HEAD /v2/data/to/blobs/DIGEST', 'DELETE /v2/data/to/blobs/uploads/session-1']);
      await fake.stop();

      fake = await startFakeRegistry(routes({ mount: 202, head: 404 }));
      await new RegistryTarget(fake.host, 'data/to').pushMounting(descriptor, bytesSource(blob), 'data/from');
      expect(calls()).toEqual(['POST /v2/data/to/blobs/uploads/', 'HEAD /v2/data/to/blobs/DIGEST', 'PUT /v2/data/to/blobs/uploads/session-1']);
    });

    it('where it refuses the mount request outright, uploads the plain way', async () => {
      fake = await startFakeRegistry(routes({ mount: 404, head: 404 }));
      await new RegistryTarget(fake.host, 'data/to').pushMounting(descriptor, bytesSource(blob), 'data/from');
      expect(calls()).toEqual(['POST /v2/data/to/blobs/uploads/', 'HEAD /v2/data/to/blobs/DIGEST', 'POST /v2/data/to/blobs/uploads/', 'PUT /v2/data/to/blobs/uploads/session-1']);
      expect(fake.requests[2]?.url).not.toContain('mount=');
    });
  });

  it('sends chunks no smaller than OCI-Chunk-Min-Length and tracks the offset itself', async () => {
    const received: Buffer[] = [];
    const patches: number[] = [];
    fake = await startFakeRegistry((req, res) => {
      void readRequestBody(req).then((body) => {
        if (req.method === 'HEAD') return void res.writeHead(404).end();
        if (req.method === 'POST') return void res.writeHead(202, { location: '/v2/data/x/blobs/uploads/s1', 'oci-chunk-min-length': '3000' }).end();
        if (req.method === 'PATCH') {
          patches.push(body.byteLength);
          received.push(body);
          const total = received.reduce((n, b) => n + b.byteLength, 0);
          return void res.writeHead(202, { location: '/v2/data/x/blobs/uploads/s1', range: `0-${total - 1}` }).end();
        }
        const whole = Buffer.concat([...received, body]);
        res.writeHead(new URL(req.url ?? '/', 'http://x').searchParams.get('digest') === sha256Of(whole) ? 201 : 400).end();
      });
    });
    const bytes = Buffer.alloc(10_000, 7);
    const target = new RegistryTarget(fake.host, 'data/x', { chunkedThreshold: 1, chunkSize: 1000, retry: fastRetry });
    await target.push({ mediaType: 'application/octet-stream', digest: sha256Of(bytes), size: bytes.byteLength }, bytesSource(bytes));
    expect(patches).toEqual([3000, 3000, 3000, 1000]);
  });

  it('gives an upload session back (DELETE on its latest URL) when the upload fails part way', async () => {
    let patches = 0;
    fake = await startFakeRegistry((req, res) => {
      void readRequestBody(req).then(() => {
        if (req.method === 'HEAD') return void res.writeHead(404).end();
        if (req.method === 'POST') return void res.writeHead(202, { location: '/v2/data/x/blobs/uploads/s0' }).end();
        if (req.method === 'PATCH') {
          patches++;
          // distribution hands out a new session URL with every accepted chunk; the second is refused for good.
          if (patches === 1) return void res.writeHead(202, { location: '/v2/data/x/blobs/uploads/s1', range: '0-999' }).end();
          return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"errors":[{"code":"BLOB_UPLOAD_INVALID","message":"no"}]}');
        }
        if (req.method === 'DELETE') return void res.writeHead(204).end();
        res.writeHead(404).end();
      });
    });
    const bytes = Buffer.alloc(3000, 7);
    const target = new RegistryTarget(fake.host, 'data/x', { chunkedThreshold: 1, chunkSize: 1000, retry: fastRetry });
    await expect(target.push({ mediaType: 'application/octet-stream', digest: sha256Of(bytes), size: bytes.byteLength }, bytesSource(bytes))).rejects.toMatchObject({ status: 400 });
    expect(fake.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'HEAD /v2/data/x/blobs/' + sha256Of(bytes),
      'POST /v2/data/x/blobs/uploads/',
      'PATCH /v2/data/x/blobs/uploads/s0',
      'PATCH /v2/data/x/blobs/uploads/s1',
      'DELETE /v2/data/x/blobs/uploads/s1',
    ]);
  });

  it('exchanges an identity token (OAuth2 refresh token) at the token endpoint', async () => {
    const tokenRequests: string[] = [];
    fake = await startFakeRegistry((req, res) => {
      if (req.url?.startsWith('/token') === true) {
        void readRequestBody(req).then((body) => {
          tokenRequests.push(`${req.method} ${body.toString()}`);
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'access-1', expires_in: 300 }));
        });
        return;
      }
      if (req.headers.authorization !== 'Bearer access-1') {
        return void res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${req.headers.host}/token",service="fake"` }).end();
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'data/x', tags: ['v1'] }));
    });
    const target = new RegistryTarget(fake.host, 'data/x', { credentials: staticCredential({ kind: 'identity-token', username: '<token>', token: 'refresh-xyz' }) });
    expect(await target.tags()).toEqual(['v1']);
    expect(await target.tags()).toEqual(['v1']);
    expect(tokenRequests).toHaveLength(1);
    const form = new URLSearchParams(tokenRequests[0]?.slice('POST '.length));
    expect(tokenRequests[0]?.startsWith('POST ')).toBe(true);
    expect(Object.fromEntries(form)).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'refresh-xyz', service: 'fake', scope: 'repository:data/x:pull' });
  });

  it('speaks TLS: trusts a given CA, refuses an unknown certificate, and skips checks only when told', async () => {
    const tls = { key: await readFile(fixture('tls-localhost.key'), 'utf8'), cert: await readFile(fixture('tls-localhost.crt'), 'utf8') };
    const handler = (_req: IncomingMessage, res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'data/x', tags: ['secure'] }));
    fake = await startFakeRegistry(handler, tls);
    const trusted = new RegistryTarget(fake.host, 'data/x', { plainHttp: false, ca: tls.cert });
    expect(await trusted.tags()).toEqual(['secure']);
    const untrusted = new RegistryTarget(fake.host, 'data/x', { plainHttp: false, retry: fastRetry });
    await expect(untrusted.tags()).rejects.toMatchObject({ code: 'NETWORK' });
    const insecure = new RegistryTarget(fake.host, 'data/x', { plainHttp: false, insecure: true });
    expect(await insecure.tags()).toEqual(['secure']);
    await Promise.all([trusted.close(), untrusted.close(), insecure.close()]);
  });
});
