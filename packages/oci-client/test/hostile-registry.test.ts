import { createServer } from 'node:net';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeRegistry, type FakeRegistry } from '@sealpack/test-registry';
import { bytesSource, sha256Of, staticCredential, type Descriptor } from '../src/index.ts';
import { readAll } from '../src/content.ts';
import { RegistryTarget } from '../src/entries/registry.ts';
import { streamToFileAtomic } from '../src/fs-atomic.ts';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const fastRetry = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 };
let fake: FakeRegistry | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void, options = {}): Promise<RegistryTarget> {
  fake = await startFakeRegistry(handler);
  return new RegistryTarget(fake.host, 'data/x', { retry: fastRetry, ...options });
}

const goodManifest = new TextEncoder().encode(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 },
    layers: [],
  }),
);
const blob = new TextEncoder().encode('the real content');
const blobDescriptor: Descriptor = { mediaType: 'application/octet-stream', digest: sha256Of(blob), size: blob.byteLength };

describe('a hostile or broken registry', () => {
  it('malformed manifest JSON is INVALID_MANIFEST', async () => {
    const target = await serve((_req, res) => res.writeHead(200, { 'content-type': MANIFEST }).end('{"schemaVersion": 2, '));
    await expect(target.resolve('v1')).rejects.toMatchObject({ code: 'INVALID_MANIFEST' });
  });

  it('a manifest whose bytes do not match the requested digest is DIGEST_MISMATCH', async () => {
    const target = await serve((_req, res) => res.writeHead(200, { 'content-type': MANIFEST, 'content-length': String(goodManifest.byteLength) }).end(goodManifest));
    const claimed: Descriptor = { mediaType: MANIFEST, digest: sha256Of('something else'), size: goodManifest.byteLength };
    await expect(target.fetchManifest(claimed)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('a manifest over the cap is refused even when Content-Length lies', async () => {
    const huge = Buffer.alloc(5 * 1024 * 1024, 0x20);
    const target = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': MANIFEST, 'transfer-encoding': 'chunked' });
      res.write(huge);
      res.end();
    });
    await expect(target.resolve('v1')).rejects.toMatchObject({ code: 'MANIFEST_TOO_LARGE' });
    const honest = await serve((_req, res) => res.writeHead(200, { 'content-type': MANIFEST, 'content-length': String(huge.byteLength) }).end(huge));
    await expect(honest.resolve('v1')).rejects.toMatchObject({ code: 'MANIFEST_TOO_LARGE' });
  });

  it('an unknown manifest media type is UNSUPPORTED_MEDIA_TYPE', async () => {
    const target = await serve((req, res) => {
      const body = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.example.odd+json' });
      res.writeHead(200, { 'content-type': 'application/vnd.example.odd+json', 'content-length': String(Buffer.byteLength(body)) }).end(req.method === 'HEAD' ? undefined : body);
    });
    await expect(target.resolve('v1')).rejects.toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('a blob with wrong bytes, a short blob and an endless blob all fail and write nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sealpack-hostile-'));
    const cases: Array<[string, (res: ServerResponse) => void]> = [
      ['DIGEST_MISMATCH', (res) => res.writeHead(200, { 'content-length': String(blob.byteLength) }).end(Buffer.from('the fake content'))],
      ['SIZE_MISMATCH', (res) => res.writeHead(200).end(blob.subarray(0, 5))],
      [
        'SIZE_MISMATCH',
        (res) => {
          res.writeHead(200);
          const timer = setInterval(() => {
            if (!res.write(Buffer.alloc(64 * 1024, 1))) {
              /* keep pushing */
            }
          }, 1);
          res.on('close', () => clearInterval(timer));
        },
      ],
    ];
    for (const [code, respond] of cases) {
      const target = await serve((_req, res) => respond(res));
      await expect(streamToFileAtomic(await target.fetch(blobDescriptor), join(dir, 'out.bin'))).rejects.toMatchObject({ code });
      expect(await readdir(dir)).toEqual([]);
      await target.close();
      await fake?.stop();
      fake = undefined;
    }
  });

  it('a blob stream that fails before anyone reads it fails its reader, not the process', async () => {
    let requests = 0;
    const dispatched: string[] = [];
    const target = await serve(
      (_req, res) => {
        requests++;
        res.writeHead(200).end(blob.subarray(0, 5));
      },
      // Each request the client starts is logged as it is answered, and an eager download starts one at once.
      { log: (line: string) => dispatched.push(line) },
    );
    const stream = await target.fetch(blobDescriptor);
    // Turns of the event loop, not a wait in time: an eager download would be under way after them.
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect({ requests, dispatched }).toEqual({ requests: 0, dispatched: [] });
    await expect(readAll(stream)).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
    expect(requests).toBe(fastRetry.attempts);
  });

  it('an upload that fails while its digest is still being computed fails the push, not the process', async () => {
    let refused = 0;
    const seen: string[] = [];
    let releaseDigest: (digest: Descriptor['digest']) => void = () => undefined;
    const digest = new Promise<Descriptor['digest']>((resolve) => (releaseDigest = resolve));
    // The digest is known only after the client has had its last refusal: the upload has failed by then.
    const target = await serve((_req, res) => res.writeHead(500).end(), {
      log: (line: string) => {
        seen.push(line);
        if (line.endsWith('-> 500') && ++refused === fastRetry.attempts) setImmediate(() => releaseDigest(blobDescriptor.digest));
      },
    });
    await expect(target.pushHashingAlong(blob.byteLength, digest, bytesSource(blob))).rejects.toMatchObject({ code: 'REGISTRY_ERROR' });
    // Every try of the upload was refused before the digest was known and anything else was asked.
    const answered = seen.filter((line) => line.includes(' -> '));
    expect(answered.slice(0, fastRetry.attempts).every((line) => line.startsWith('POST ') && line.endsWith('-> 500'))).toBe(true);
  });

  it('a blob stream its reader drops closes its request at once, even while the registry is silent', async () => {
    let closed: Promise<void> | undefined;
    const target = await serve((_req, res) => {
      closed = new Promise((resolve) => res.on('close', () => resolve()));
      res.writeHead(200, { 'content-length': String(blob.byteLength) });
      res.write(blob.subarray(0, 3));
    });
    const stream = await target.fetch(blobDescriptor);
    for await (const _ of stream) break;
    // Without the abort the request would stay open until the body timeout (minutes by default),
    // well past this test's own timeout.
    await closed;
    expect(closed).toBeDefined();
  });

  it('retries 503 and 429 (honouring Retry-After) and then succeeds', async () => {
    let calls = 0;
    const target = await serve((_req, res) => {
      calls++;
      if (calls === 1) return void res.writeHead(503).end();
      if (calls === 2) return void res.writeHead(429, { 'retry-after': '0' }).end();
      res.writeHead(200, { 'content-length': String(blob.byteLength) }).end(blob);
    });
    expect(new TextDecoder().decode(await readAll(await target.fetch(blobDescriptor)))).toBe('the real content');
    expect(calls).toBe(3);
  });

  it('gives up on a registry that keeps failing, and on one asking to wait too long', async () => {
    const target = await serve((_req, res) => res.writeHead(500).end());
    await expect(target.resolve('v1')).rejects.toMatchObject({ code: 'REGISTRY_ERROR' });
    expect(fake?.requests).toHaveLength(fastRetry.attempts);
    const patient = await serve((_req, res) => res.writeHead(429, { 'retry-after': '3600' }).end());
    await expect(patient.resolve('v1')).rejects.toThrow(/retry after 3600 s/);
  });

  it('a registry that is down is NETWORK, after bounded retries', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = probe.address() as { port: number };
        probe.close(() => resolve(p));
      });
    });
    const target = new RegistryTarget(`127.0.0.1:${port}`, 'data/x', { retry: fastRetry });
    await expect(target.resolve('v1')).rejects.toMatchObject({ code: 'NETWORK' });
  });

  it('a stalled body is a TIMEOUT, not a hang', async () => {
    const target = await serve(
      (_req, res) => {
        res.writeHead(200, { 'content-length': String(blob.byteLength) });
        res.write(blob.subarray(0, 3));
      },
      { bodyTimeoutMs: 200 },
    );
    await expect(readAll(await target.fetch(blobDescriptor))).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('never sends credentials along a redirect to another origin', async () => {
    const objectStore = await startFakeRegistry((_req, res) => res.writeHead(200, { 'content-length': String(blob.byteLength) }).end(blob));
    try {
      const target = await serve(
        (req, res) => {
          if (req.headers.authorization === undefined) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
          res.writeHead(307, { location: `http://${objectStore.host}/bucket/blob?sig=abc` }).end();
        },
        { credentials: staticCredential({ kind: 'basic', username: 'u', password: 'hunter2-secret' }) },
      );
      expect(new TextDecoder().decode(await readAll(await target.fetch(blobDescriptor)))).toBe('the real content');
      expect(fake?.requests.some((r) => r.headers.authorization !== undefined)).toBe(true);
      expect(objectStore.requests).toHaveLength(1);
      expect(objectStore.requests[0]?.headers.authorization).toBeUndefined();
    } finally {
      await objectStore.stop();
    }
  });

  it('keeps secrets out of errors and debug logs', async () => {
    const lines: string[] = [];
    const target = await serve((_req, res) => res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end(), {
      credentials: staticCredential({ kind: 'basic', username: 'u', password: 'hunter2-secret' }),
      log: (line: string) => lines.push(line),
    });
    const error = await target.resolve('v1').catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED' });
    const everything = `${error.message} ${String(error.stack)} ${lines.join('\n')}`;
    expect(everything).not.toContain('hunter2-secret');
    expect(everything).not.toContain(Buffer.from('u:hunter2-secret').toString('base64'));
    expect(lines.length).toBeGreaterThan(0);
  });

  it('uses the referrers API when the registry has one, filtering by artifactType itself when the registry did not', async () => {
    const subject: Descriptor = { mediaType: MANIFEST, digest: sha256Of('subject'), size: 7 };
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: MANIFEST, digest: sha256Of('a'), size: 1, artifactType: 'application/vnd.example.sig' },
        { mediaType: MANIFEST, digest: sha256Of('b'), size: 1, artifactType: 'application/spdx+json' },
      ],
    };
    const target = await serve((req, res) => {
      if (req.url?.startsWith(`/v2/data/x/referrers/${subject.digest}`) === true)
        return void res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' }).end(JSON.stringify(index));
      res.writeHead(404).end();
    });
    expect(await target.referrers(subject)).toHaveLength(2);
    expect((await target.referrers(subject, { artifactType: 'application/spdx+json' })).map((d) => d.digest)).toEqual([sha256Of('b')]);
  });
});

/**
 * A body that never ends, written as fast as the client takes it: `sent()` is how much the client
 * let through, so a test can tell "stopped at the bound" from "read it all, then complained".
 */
function endless(res: ServerResponse, head: Record<string, string>, prefix = '', status = 200): { sent: () => number } {
  let sent = 0;
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  res.writeHead(status, head);
  if (prefix !== '') res.write(prefix);
  const pump = (): void => {
    while (!res.destroyed && sent < 512 * 1024 * 1024) {
      sent += chunk.byteLength;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
  };
  res.on('close', () => res.removeAllListeners('drain'));
  pump();
  return { sent: () => sent };
}

describe('unbounded answers stop at the bound (4 MiB, as distribution bounds manifests)', () => {
  const subject: Descriptor = { mediaType: MANIFEST, digest: sha256Of('subject'), size: 7 };
  const NEAR_BOUND = 24 * 1024 * 1024;

  it('an endless tag list is RESPONSE_TOO_LARGE, and the client stops reading near the bound', async () => {
    let body: { sent: () => number } | undefined;
    const target = await serve((_req, res) => {
      body = endless(res, { 'content-type': 'application/json' }, '{"name":"data/x","tags":["');
    });
    await expect(target.tags()).rejects.toMatchObject({ code: 'RESPONSE_TOO_LARGE', kind: 'transport' });
    expect(body?.sent()).toBeLessThan(NEAR_BOUND);
  });

  it('a tag list announcing a huge Content-Length is refused before its body is read', async () => {
    let body: { sent: () => number } | undefined;
    const target = await serve((_req, res) => {
      body = endless(res, { 'content-type': 'application/json', 'content-length': String(300 * 1024 * 1024) });
    });
    await expect(target.tags()).rejects.toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
    expect(body?.sent()).toBeLessThan(NEAR_BOUND);
  });

  it('an endless referrers answer is MANIFEST_TOO_LARGE, and the client stops reading near the bound', async () => {
    let body: { sent: () => number } | undefined;
    const target = await serve((_req, res) => {
      body = endless(res, { 'content-type': 'application/vnd.oci.image.index.v1+json' }, '{"schemaVersion":2,"manifests":[');
    });
    await expect(target.referrers(subject)).rejects.toMatchObject({ code: 'MANIFEST_TOO_LARGE' });
    expect(body?.sent()).toBeLessThan(NEAR_BOUND);
  });

  it('an endless error body still ends in the status error, read only in part', async () => {
    let body: { sent: () => number } | undefined;
    const target = await serve((_req, res) => {
      body = endless(res, { 'content-type': 'application/json' }, '', 404);
    });
    await expect(target.tags()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(body?.sent()).toBeLessThan(NEAR_BOUND);
  });

  it('pages a tag list with n and Link, and a Link back to a page already read is an error, not a loop', async () => {
    const target = await serve((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const last = url.searchParams.get('last');
      if (last === null) {
        res.writeHead(200, { 'content-type': 'application/json', link: '</v2/data/x/tags/list?n=2&last=b>; rel="next"' }).end('{"name":"data/x","tags":["a","b"]}');
      } else {
        res.writeHead(200, { 'content-type': 'application/json', link: '</v2/data/x/tags/list?n=2>; rel="next"' }).end('{"name":"data/x","tags":["c"]}');
      }
    });
    await expect(target.tags()).rejects.toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
    expect(fake?.requests[0]?.url).toMatch(/[?&]n=\d+/);
    expect(fake?.requests.length).toBeLessThanOrEqual(3);
  });

  it('a tag list whose pages never end stops at the bound on tags, with an error rather than a truncated list', async () => {
    const target = await serve((req, res) => {
      const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page') ?? '0');
      const tags = Array.from({ length: 1000 }, (_, i) => `t${page}-${i}`);
      res.writeHead(200, { 'content-type': 'application/json', link: `</v2/data/x/tags/list?page=${page + 1}>; rel="next"` }).end(JSON.stringify({ name: 'data/x', tags }));
    });
    await expect(target.tags()).rejects.toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
    expect(fake?.requests.length).toBeLessThanOrEqual(101);
  });
});
