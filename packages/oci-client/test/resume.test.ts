import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startFakeRegistry, startFaultProxy, uniqueRepository, type FakeRegistry, type FaultProxy } from '@sealpack/test-registry';
import { bytesSource, fileSource, sha256Of, type Descriptor } from '../src/index.ts';
import { RegistryTarget } from '../src/entries/registry.ts';
import { streamToFileAtomic } from '../src/fs-atomic.ts';

const registries = inject('registries');
const SIZE = 32 * 1024 * 1024;
const fastRetry = { attempts: 4, baseDelayMs: 10, maxDelayMs: 50 };

let proxy: FaultProxy | undefined;
let fake: FakeRegistry | undefined;
const stored = new Map<string, Buffer>();
afterEach(async () => {
  await proxy?.stop();
  await fake?.stop();
  proxy = undefined;
  fake = undefined;
});

/**
 * The upload half of distribution-spec as written ("Pushing a blob in chunks"): bytes of a PATCH
 * are kept as they arrive, even when the connection breaks, and GET on the session reports them
 * in `Range`. Used because distribution 2.8 cancels such a session instead.
 */
function startResumableUploadRegistry(): Promise<FakeRegistry> {
  const sessions = new Map<string, Buffer[]>();
  let next = 0;
  const size = (id: string) => (sessions.get(id) ?? []).reduce((n, b) => n + b.byteLength, 0);
  return startFakeRegistry((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const upload = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(url.pathname);
    const blobHead = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/.exec(url.pathname);
    if (req.method === 'HEAD' && blobHead !== null) {
      res.writeHead(stored.has(blobHead[2] as string) ? 200 : 404).end();
      return;
    }
    if (upload === null) {
      res.writeHead(404).end();
      return;
    }
    const location = (id: string) => `/v2/${upload[1]}/blobs/uploads/${id}`;
    if (req.method === 'POST') {
      const id = `u${next++}`;
      sessions.set(id, []);
      res.writeHead(202, { location: location(id), range: '0-0' }).end();
      return;
    }
    const id = upload[2] as string;
    const chunks = sessions.get(id);
    if (chunks === undefined) {
      res.writeHead(404).end();
      return;
    }
    if (req.method === 'GET') {
      res.writeHead(204, { location: location(id), range: `0-${Math.max(0, size(id) - 1)}` }).end();
      return;
    }
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'PATCH') {
        res.writeHead(202, { location: location(id), range: `0-${size(id) - 1}` }).end();
        return;
      }
      const whole = Buffer.concat(chunks);
      const digest = url.searchParams.get('digest');
      if (digest !== sha256Of(whole)) {
        res.writeHead(400).end();
        return;
      }
      stored.set(digest, whole);
      res.writeHead(201, { location: `/v2/${upload[1]}/blobs/${digest}` }).end();
    });
  });
}

function blob(): { bytes: Buffer; descriptor: Descriptor } {
  const bytes = randomBytes(SIZE);
  return { bytes, descriptor: { mediaType: 'application/octet-stream', digest: sha256Of(bytes), size: SIZE } };
}

describe('resumable transfers through a proxy that cuts the connection half way', () => {
  // A file is read into reused buffers (ContentSource.chunks) and resumes from a mid-file offset.
  it.each(['memory', 'file'] as const)('an interrupted chunked upload from %s continues where a spec-complete registry says it got to', async (from) => {
    fake = await startResumableUploadRegistry();
    proxy = await startFaultProxy(Number(fake.host.split(':')[1]));
    const target = new RegistryTarget(proxy.host, 'data/resume', { chunkedThreshold: 1, retry: fastRetry });
    const { bytes, descriptor } = blob();
    let source = bytesSource(bytes);
    if (from === 'file') {
      const path = join(await mkdtemp(join(tmpdir(), 'sealpack-resume-')), 'blob');
      await writeFile(path, bytes);
      source = fileSource(path, SIZE);
    }
    proxy.cutAfter('upstream', SIZE / 2);
    await target.push(descriptor, source);
    await target.close();
    expect(proxy.cuts).toBe(1);
    // The status query was asked, and far less than the whole was sent again.
    expect(fake.requests.some((r) => r.method === 'GET' && r.url.includes('/blobs/uploads/'))).toBe(true);
    expect(proxy.upstreamBytes).toBeLessThan(SIZE * 1.1);
    expect(stored.get(descriptor.digest)?.equals(bytes)).toBe(true);
  });

  it('on distribution 2.8, which cancels a cut upload, starts a fresh session and still lands the exact blob', async () => {
    proxy = await startFaultProxy(registries.anonymous.port);
    const repository = uniqueRepository();
    const target = new RegistryTarget(proxy.host, repository, { chunkedThreshold: 1, retry: fastRetry });
    const { bytes, descriptor } = blob();
    proxy.cutAfter('upstream', SIZE / 2);
    await target.push(descriptor, bytesSource(bytes));
    expect(proxy.cuts).toBe(1);
    // Everything sent, including the lost half-request: far less than two whole copies.
    // distribution cannot resume, so the whole blob goes again after the lost half.
    expect(proxy.upstreamBytes).toBeLessThan(SIZE * 1.75);
    await target.close();
    const direct = new RegistryTarget(registries.anonymous.host, repository);
    expect(await direct.exists(descriptor)).toBe(true);
    const back = await streamToBuffer(await direct.fetch(descriptor));
    expect(sha256Of(back)).toBe(descriptor.digest);
    await direct.close();
  });

  it('an interrupted download continues with a Range request and still verifies the digest', async () => {
    const { descriptor, target, faults } = await storedBehindProxy(uniqueRepository(), blob());
    faults.cutAfter('downstream', SIZE / 2);
    const dir = await mkdtemp(join(tmpdir(), 'sealpack-resume-'));
    const path = join(dir, 'blob');
    await streamToFileAtomic(await target.fetch(descriptor), path);
    expect(faults.cuts).toBe(1);
    expect(faults.downstreamBytes).toBeLessThan(SIZE * 1.1);
    expect(sha256Of(await readFile(path))).toBe(descriptor.digest);
    await target.close();
    await writeFile(join(dir, 'done'), '');
  });
});

describe('an aborted transfer', () => {
  it("rejects with the signal's own reason, not a network error, up and down, and leaves no file", async () => {
    const repository = uniqueRepository();
    const { bytes, descriptor } = blob();
    proxy = await startFaultProxy(registries.anonymous.port);
    const target = new RegistryTarget(proxy.host, repository, { chunkedThreshold: 1024 * 1024, chunkSize: 4 * 1024 * 1024, retry: fastRetry });
    const reason = new Error('stopped by the caller');

    // Up: the registry stops reading part way, then the caller gives up.
    proxy.stallAfter('upstream', SIZE / 4);
    const upload = new AbortController();
    const upStalled = proxy.whenStalled();
    const pushing = target.push(descriptor, bytesSource(bytes), { signal: upload.signal });
    pushing.catch(() => undefined);
    await upStalled;
    upload.abort(reason);
    await expect(pushing).rejects.toBe(reason);
    await proxy.stop();

    // Down: the registry stops sending part way.
    const { target: reader, faults } = await storedBehindProxy(repository, { bytes, descriptor });
    faults.stallAfter('downstream', SIZE / 4);
    const dir = await mkdtemp(join(tmpdir(), 'sealpack-abort-'));
    const download = new AbortController();
    const downStalled = faults.whenStalled();
    const pulling = reader.fetchToFile(descriptor, join(dir, 'blob'), { signal: download.signal });
    pulling.catch(() => undefined);
    await downStalled;
    download.abort(reason);
    await expect(pulling).rejects.toBe(reason);
    expect(await readdir(dir)).toEqual([]);
    const streaming = new AbortController();
    const stream = await reader.fetch(descriptor, { signal: streaming.signal });
    const streamStalled = faults.whenStalled();
    const reading = streamToBuffer(stream);
    reading.catch(() => undefined);
    await streamStalled;
    streaming.abort(reason);
    await expect(reading).rejects.toBe(reason);
  });
});

describe("a target's own abort signal", () => {
  it('stops every request the target sends, one made without a signal of its own too, and refuses new ones', async () => {
    const { bytes, descriptor } = blob();
    proxy = await startFaultProxy(registries.anonymous.port);
    const stop = new AbortController();
    const target = new RegistryTarget(proxy.host, uniqueRepository(), { retry: fastRetry, signal: stop.signal });
    const reason = new Error('interrupted');
    proxy.stallAfter('upstream', SIZE / 4);
    const stalled = proxy.whenStalled();
    const pushing = target.push(descriptor, bytesSource(bytes)); // no per-call signal
    pushing.catch(() => undefined);
    await stalled;
    stop.abort(reason);
    await expect(pushing).rejects.toBe(reason);
    await expect(target.exists(descriptor)).rejects.toBe(reason);
  });
});

/** The blob stored straight into the registry, and a target that reads it through a new fault proxy. */
async function storedBehindProxy(
  repository: string,
  { bytes, descriptor }: { bytes: Buffer; descriptor: Descriptor },
): Promise<{ descriptor: Descriptor; target: RegistryTarget; faults: FaultProxy }> {
  const direct = new RegistryTarget(registries.anonymous.host, repository);
  await direct.push(descriptor, bytesSource(bytes));
  await direct.close();
  const faults = await startFaultProxy(registries.anonymous.port);
  proxy = faults; // stopped by afterEach
  return { descriptor, target: new RegistryTarget(faults.host, repository, { retry: fastRetry }), faults };
}

async function streamToBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
