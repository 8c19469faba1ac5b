import type { Readable } from 'node:stream';
import { alsoAbortedBy } from '../abort.ts';
import { createDigester } from '../content.ts';
import { OciError } from '../errors.ts';
import { lazyReadable } from '../lazy-readable.ts';
import type { Descriptor } from '../schemas.ts';
import { discardBody, headerValue, type RegistryHttpClient, type RegistryResponse } from './http-client.ts';
import { writeFileAtomicWith } from '../fs-atomic.ts';

export interface DownloadOptions {
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
}

/**
 * Streams a blob and verifies size and digest as it flows. When the body breaks off, the download
 * continues with an HTTP Range request from the last byte received (RFC 9110 §14.2) and keeps the
 * same running hash, so a resumed download is verified exactly like an undisturbed one. The
 * returned stream errors rather than ends if the content does not match.
 */
export function downloadBlob(client: RegistryHttpClient, url: string, scopes: string[], descriptor: Descriptor, options: DownloadOptions = {}): Readable {
  return lazyReadable((write, readerGone) => downloadInto(client, url, scopes, descriptor, write, { ...options, signal: alsoAbortedBy(options.signal, readerGone) }), {
    highWaterMark: 1 << 20,
    mapError: (error) => {
      if (error instanceof OciError) return error;
      if (options.signal?.aborted === true) return error instanceof Error ? error : new Error(String(error));
      return client.transportError(error, { method: 'GET', url });
    },
  });
}

/** Downloads a blob straight into a file (no stream in between), verified, then renamed into place. */
export async function downloadBlobToFile(client: RegistryHttpClient, url: string, scopes: string[], descriptor: Descriptor, path: string, options: DownloadOptions = {}): Promise<void> {
  await writeFileAtomicWith(path, (writer) => downloadInto(client, url, scopes, descriptor, (chunk) => writer.write(chunk), options));
}

async function downloadInto(client: RegistryHttpClient, url: string, scopes: string[], descriptor: Descriptor, sink: (chunk: Buffer) => Promise<void>, options: DownloadOptions): Promise<void> {
  const hash = createDigester(descriptor.digest);
  let received = 0;
  let failures = 0;
  let sinkFailed = false;
  while (received < descriptor.size || received === 0) {
    const headers: Record<string, string> = {};
    if (received > 0) headers.range = `bytes=${received}-`;
    let response: RegistryResponse;
    try {
      response = await client.send({ method: 'GET', url, scopes, headers, ...(options.signal === undefined ? {} : { signal: options.signal }) });
    } catch (error) {
      // An abort rejects with the signal's own reason, as Node's and undici's APIs do: not a network fault.
      options.signal?.throwIfAborted();
      throw client.transportError(error, { method: 'GET', url });
    }
    if (response.status !== 200 && response.status !== 206) throw await client.errorFor(response, `blob ${descriptor.digest}`);
    // A server that ignores Range answers 200 with the whole body: skip what we already have.
    let skip = response.status === 200 ? received : 0;
    if (response.status === 206) {
      const range = headerValue(response, 'content-range');
      const start = range === undefined ? NaN : Number(/^bytes (\d+)-/.exec(range)?.[1]);
      if (start !== received) {
        await discardBody(response);
        throw new OciError('REGISTRY_ERROR', `the registry resumed ${descriptor.digest} at the wrong offset`);
      }
    }
    try {
      for await (const raw of response.body) {
        let chunk = raw as Buffer;
        if (skip > 0) {
          const dropped = Math.min(skip, chunk.byteLength);
          skip -= dropped;
          chunk = chunk.subarray(dropped);
          if (chunk.byteLength === 0) continue;
        }
        received += chunk.byteLength;
        if (received > descriptor.size) {
          response.body.destroy();
          throw new OciError('SIZE_MISMATCH', `blob ${descriptor.digest} is larger than its descriptor's ${descriptor.size} bytes`);
        }
        hash.update(chunk);
        options.onProgress?.(received);
        try {
          await sink(chunk);
        } catch (error) {
          sinkFailed = true;
          throw error;
        }
      }
    } catch (error) {
      // A full disk or a reader that went away is not the network's fault: no resume for those.
      if (error instanceof OciError || sinkFailed) throw error;
      options.signal?.throwIfAborted();
      failures++;
      const wrapped = client.transportError(error, { method: 'GET', url });
      if (failures >= client.retry.attempts) throw wrapped;
      continue;
    }
    if (received < descriptor.size) {
      // The body ended early without an error: a cut the server did not announce. Resume too.
      failures++;
      if (failures >= client.retry.attempts) {
        throw new OciError('SIZE_MISMATCH', `blob ${descriptor.digest} ended after ${received} of ${descriptor.size} bytes`);
      }
      continue;
    }
    break;
  }
  const actual = `${descriptor.digest.slice(0, descriptor.digest.indexOf(':'))}:${hash.digest('hex')}`;
  if (actual !== descriptor.digest) {
    throw new OciError('DIGEST_MISMATCH', `blob digest ${actual} does not match the expected ${descriptor.digest}`);
  }
}
