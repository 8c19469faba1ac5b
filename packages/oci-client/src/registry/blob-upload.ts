import { Transform, type Readable } from 'node:stream';
import { OciError } from '../errors.ts';
import type { ContentSource } from '../content.ts';
import type { Digest } from '../digest.ts';
import { discardBody, headerValue, type RegistryHttpClient, type RegistryResponse } from './http-client.ts';

export interface UploadOptions {
  /** Blobs at least this large go up in PATCH requests (resumable); smaller ones in one PUT. */
  chunkedThreshold: number;
  /** Bytes per PATCH; 0 streams the whole rest in one PATCH (fewest round trips). */
  chunkSize: number;
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
  /** Mount from this repository of the same registry instead of uploading, when it has the blob. */
  mountFrom?: string;
  /** An upload session already started (by `mountOrStartUpload`): used instead of a new POST. */
  session?: UploadSession;
}

/** An open upload session (distribution-spec: the Location of a 202 to POST). */
export interface UploadSession {
  url: string;
  minChunk: number;
}

/** What an upload needs to know of its blob: the size, and the digest, possibly still being computed. */
export interface BlobToUpload {
  size: number;
  /**
   * Known up front, or still being computed while the bytes stream: a chunked upload needs the
   * digest only for its closing PUT (distribution-spec "Pushing a blob in chunks").
   */
  digest: Digest | Promise<Digest>;
}

interface UploadContext {
  client: RegistryHttpClient;
  base: string;
  repository: string;
  blob: BlobToUpload;
  /** The digest when known, else the size: for messages. */
  label: string;
  content: ContentSource;
  options: UploadOptions;
}

function location(response: RegistryResponse, base: string): string {
  const value = headerValue(response, 'location');
  if (value === undefined) throw new OciError('REGISTRY_ERROR', 'the registry started an upload without a Location');
  return new URL(value, base).toString();
}

function withDigest(url: string, digest: string): string {
  const u = new URL(url);
  u.searchParams.set('digest', digest);
  return u.toString();
}

/** The bytes [start, end) of the content, reporting the running total as the HTTP client consumes them. */
function openRange(content: ContentSource, start: number, end: number, onProgress: ((bytes: number) => void) | undefined): Readable | AsyncIterable<Uint8Array> {
  if (content.chunks !== undefined) return countedChunks(content.chunks(start, end), start, onProgress);
  return openRangeStream(content, start, end, onProgress);
}

async function* countedChunks(chunks: AsyncIterable<Uint8Array>, start: number, onProgress: ((bytes: number) => void) | undefined): AsyncGenerator<Uint8Array> {
  let sent = start;
  for await (const chunk of chunks) {
    sent += chunk.byteLength;
    onProgress?.(sent);
    yield chunk;
  }
}

function openRangeStream(content: ContentSource, start: number, end: number, onProgress: ((bytes: number) => void) | undefined): Readable {
  const source = content.open(start);
  let remaining = end - start;
  let sent = start;
  const cut = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (remaining <= 0) {
        callback();
        return;
      }
      const piece = chunk.byteLength > remaining ? chunk.subarray(0, remaining) : chunk;
      remaining -= piece.byteLength;
      sent += piece.byteLength;
      onProgress?.(sent);
      callback(null, piece);
      // A ranged chunk needs no more of the file: stop reading it.
      if (remaining <= 0) source.destroy();
    },
  });
  source.on('error', (error) => cut.destroy(error));
  source.on('close', () => {
    if (remaining <= 0 && !cut.writableEnded) cut.end();
  });
  return source.pipe(cut, { end: true });
}

/** distribution-spec "Pushing a blob in chunks": GET on the upload URL says how much arrived. */
async function uploadedSoFar(ctx: UploadContext, url: string): Promise<{ offset: number; url: string }> {
  const response = await ctx.client.send({ method: 'GET', url, scopes: pushScopes(ctx), ...signalOf(ctx) });
  if (response.status !== 204 && response.status !== 200) throw await ctx.client.errorFor(response, `upload status of ${ctx.label}`);
  await discardBody(response);
  return { offset: offsetFromRange(headerValue(response, 'range'), true) ?? 0, url: location(response, url) };
}

/**
 * The next byte to send, from an upload's `Range: 0-<last>` header. distribution answers `0-0` for
 * an empty session as well as for a one-byte one; a status query reads that as nothing received
 * (resending from zero never corrupts a blob, resending a byte too many would), while the answer
 * to a PATCH that carried bytes means one byte.
 */
export function offsetFromRange(range: string | undefined, zeroMeansEmpty: boolean): number | undefined {
  const match = range === undefined ? null : /^(?:bytes=)?0-(\d+)$/.exec(range.trim());
  if (match === null) return undefined;
  const last = Number(match[1]);
  return last === 0 && zeroMeansEmpty ? 0 : last + 1;
}

function pushScopes(ctx: StartContext): string[] {
  const scopes = [`repository:${ctx.repository}:pull,push`];
  if (ctx.options.mountFrom !== undefined) scopes.push(`repository:${ctx.options.mountFrom}:pull`);
  return scopes;
}

function signalOf(ctx: StartContext): { signal?: AbortSignal } {
  return ctx.options.signal === undefined ? {} : { signal: ctx.options.signal };
}

/** What starting an upload needs: the content itself comes later. */
type StartContext = Pick<UploadContext, 'client' | 'base' | 'repository' | 'blob' | 'label' | 'options'>;

/**
 * One POST that mounts `digest` from `from` (distribution-spec "Mounting a blob from another
 * repository"): 201 when the blob is now in `repository`, whether or not it was before; otherwise
 * the registry opened an upload session instead (202), which the caller uses or cancels.
 */
export async function mountOrStartUpload(
  client: RegistryHttpClient,
  base: string,
  repository: string,
  digest: Digest,
  size: number,
  from: string,
  signal?: AbortSignal,
): Promise<{ mounted: true } | ({ mounted: false } & UploadSession)> {
  const options: UploadOptions = { chunkedThreshold: 0, chunkSize: 0, mountFrom: from, ...(signal === undefined ? {} : { signal }) };
  return startUpload({ client, base, repository, blob: { size, digest }, label: digest, options });
}

/** Gives an upload session back (DELETE on its URL); a registry that will not is left to expire it. */
export async function cancelUpload(client: RegistryHttpClient, repository: string, session: Pick<UploadSession, 'url'>, signal?: AbortSignal): Promise<void> {
  try {
    const response = await client.send({ method: 'DELETE', url: session.url, scopes: [`repository:${repository}:pull,push`], retry: false, ...(signal === undefined ? {} : { signal }) });
    await discardBody(response);
  } catch {
    // Only tidying: an abandoned session costs the registry a little storage until it purges it.
  }
}

/** POST to start an upload, or to mount (distribution-spec "Mounting a blob from another repository"). */
async function startUpload(ctx: StartContext): Promise<{ mounted: true } | ({ mounted: false } & UploadSession)> {
  const url = new URL(`${ctx.base}blobs/uploads/`);
  if (ctx.options.mountFrom !== undefined && ctx.options.mountFrom !== ctx.repository && typeof ctx.blob.digest === 'string') {
    url.searchParams.set('mount', ctx.blob.digest);
    url.searchParams.set('from', ctx.options.mountFrom);
  }
  const response = await ctx.client.send({ method: 'POST', url: url.toString(), scopes: pushScopes(ctx), headers: { 'content-length': '0' }, ...signalOf(ctx) });
  if (response.status === 201 && ctx.options.mountFrom !== undefined) {
    await discardBody(response);
    return { mounted: true };
  }
  if (response.status !== 202) throw await ctx.client.errorFor(response, `start upload of ${ctx.label} to ${ctx.repository}`);
  await discardBody(response);
  const minChunk = Number(headerValue(response, 'oci-chunk-min-length') ?? '0');
  return { mounted: false, url: location(response, ctx.base), minChunk: Number.isFinite(minChunk) ? minChunk : 0 };
}

async function finish(ctx: UploadContext, url: string, body: { start: number } | null): Promise<void> {
  const size = body === null ? 0 : ctx.blob.size - body.start;
  const digest = await ctx.blob.digest;
  const response = await ctx.client.send({
    method: 'PUT',
    url: withDigest(url, digest),
    scopes: pushScopes(ctx),
    // distribution 2.8 rejects a PUT without this Content-Type even when the body is empty.
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    body: () => (body === null || size === 0 ? null : openRange(ctx.content, body.start, ctx.blob.size, ctx.options.onProgress)),
    retry: false,
    ...signalOf(ctx),
  });
  if (response.status !== 201) throw await ctx.client.errorFor(response, `upload of ${digest}`);
  await discardBody(response);
}

/**
 * Pushes one blob. Small blobs: POST then one streamed PUT. Large blobs: POST, PATCHes, then PUT;
 * when a PATCH breaks off, the registry is asked how far it got and the upload continues from there
 * instead of starting over (distribution-spec "Pushing a blob in chunks", 416 / Range).
 */
export async function uploadBlob(client: RegistryHttpClient, base: string, repository: string, blob: BlobToUpload, content: ContentSource, options: UploadOptions): Promise<void> {
  const label = typeof blob.digest === 'string' ? blob.digest : `blob of ${blob.size} bytes`;
  const ctx: UploadContext = { client, base, repository, blob, label, content, options };
  const started = options.session === undefined ? await startUpload(ctx) : { mounted: false as const, ...options.session };
  if (started.mounted) return;
  // The session's URL changes as the upload goes on (distribution hands out a new one per request).
  const session = { url: started.url, minChunk: started.minChunk };
  try {
    if (blob.size < options.chunkedThreshold) await sendWhole(ctx, session);
    else await sendChunks(ctx, session);
  } catch (error) {
    // A session given up part way (failed, interrupted, or abandoned by pushHashingAlong) keeps its
    // bytes in the registry's storage until a purge (distribution: a week by default). distribution-spec
    // "Deleting an upload": give it back, briefly, and report the upload's own failure. distribution
    // 2.8 only honours this while the URL's signed _state matches what it stored, so a session whose
    // last request broke off part way is still left to its purge there.
    await cancelUpload(client, repository, session, AbortSignal.timeout(CANCEL_TIMEOUT_MS));
    throw error;
  }
}

/** How long giving back an abandoned session may hold up reporting why it was abandoned. */
const CANCEL_TIMEOUT_MS = 2000;

/** Small blobs: one streamed PUT into the session, a fresh session for each retry. */
async function sendWhole(ctx: UploadContext, session: UploadSession): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await finish(ctx, session.url, { start: 0 });
      return;
    } catch (error) {
      // An abort rejects with the signal's own reason, as Node's and undici's APIs do: not a network fault.
      ctx.options.signal?.throwIfAborted();
      const wrapped = ctx.client.transportError(error, { method: 'PUT', url: session.url });
      if (!wrapped.retryable || attempt >= ctx.client.retry.attempts) throw wrapped;
      const fresh = await startUpload(ctx);
      if (fresh.mounted) return;
      session.url = fresh.url;
      session.minChunk = fresh.minChunk;
    }
  }
}

/** Large blobs: PATCHes that resume from the registry's offset after a cut, then the closing PUT. */
async function sendChunks(ctx: UploadContext, session: UploadSession): Promise<void> {
  const { client, blob, content, options, label } = ctx;
  let offset = 0;
  const chunkSize = options.chunkSize > 0 ? Math.max(options.chunkSize, session.minChunk) : 0;
  let failures = 0;
  while (offset < blob.size) {
    const end = chunkSize > 0 ? Math.min(blob.size, offset + chunkSize) : blob.size;
    const start = offset;
    try {
      const response = await client.send({
        method: 'PATCH',
        url: session.url,
        scopes: pushScopes(ctx),
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(end - start),
          'content-range': `${start}-${end - 1}`,
        },
        body: () => openRange(content, start, end, options.onProgress),
        retry: false,
        ...signalOf(ctx),
      });
      if (response.status === 416) {
        // The registry's idea of the offset differs from ours: ask it, and carry on from there.
        await discardBody(response);
        ({ offset, url: session.url } = await uploadedSoFar(ctx, session.url));
        continue;
      }
      if (response.status !== 202) throw await client.errorFor(response, `upload of ${label}`);
      await discardBody(response);
      // Some registries (distribution 2.8) ignore Content-Range and hand out a new URL each time.
      session.url = location(response, session.url);
      const next = offsetFromRange(headerValue(response, 'range'), false) ?? end;
      if (next <= start) throw new OciError('REGISTRY_ERROR', `the registry accepted a chunk of ${label} but reports no progress`, { retryable: true });
      offset = next;
    } catch (error) {
      options.signal?.throwIfAborted();
      const wrapped = client.transportError(error, { method: 'PATCH', url: session.url });
      failures++;
      if (!wrapped.retryable || failures >= client.retry.attempts) throw wrapped;
      try {
        ({ offset, url: session.url } = await uploadedSoFar(ctx, session.url));
      } catch (statusError) {
        // distribution 2.8 (registry/handlers/blobupload.go) refuses every request on a session
        // whose stored size differs from the offset in its signed _state, which is what a cut
        // PATCH leaves behind: there is nothing to resume, so start a fresh session.
        if (!(statusError instanceof OciError) || (statusError.status !== 404 && statusError.status !== 400)) throw statusError;
        const fresh = await startUpload(ctx);
        if (fresh.mounted) return;
        session.url = fresh.url;
        offset = 0;
      }
    }
  }
  await finish(ctx, session.url, null);
}
