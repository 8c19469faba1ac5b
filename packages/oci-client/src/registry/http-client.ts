import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { alsoAbortedBy } from '../abort.ts';
import { OciError, type OciErrorCode } from '../errors.ts';
import { registryApiHost, registryScheme } from '../reference.ts';
import { parseJsonOrUndefined, readBodyPrefix, readBoundedBody } from './bounded-body.ts';
import { anonymous, type Credential, type CredentialProvider } from './credentials.ts';
import { backoffDelay, DEFAULT_RETRY, isRetryableStatus, parseRetryAfter, type RetryPolicy } from './retry.ts';
import { parseWwwAuthenticate, type AuthChallenge } from './www-authenticate.ts';
import { Agent, request } from './undici-parts.ts';

export interface HttpClientOptions {
  credentials?: CredentialProvider;
  /** `true` speaks HTTP, `false` HTTPS; unset: HTTP for localhost and 127.0.0.0/8 unless `ca` or `insecure` asks for TLS (CLI.md). */
  plainHttp?: boolean;
  retry?: Partial<RetryPolicy>;
  /** PEM CA bundle to trust in addition to the system roots. */
  ca?: string | Buffer;
  /** Skip TLS certificate verification (`--insecure`). */
  insecure?: boolean;
  /** A stall longer than this while waiting for headers or body bytes is a transient failure. */
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  userAgent?: string;
  /** Debug lines (method, URL, status); never headers or bodies, so never secrets. */
  log?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  dispatcher?: Dispatcher;
  /**
   * Aborts every request this client sends, whatever its caller passed (a CLI's Ctrl-C): work that
   * reaches the registry through layers that take no signal of their own still stops.
   */
  signal?: AbortSignal;
}

/** An async iterable is written chunk by chunk, each after the previous one has left (see ContentSource.chunks). */
type RequestBody = Readable | AsyncIterable<Uint8Array> | Uint8Array | string | null;

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** Builds the body afresh for each try, so a retried request resends all of it. */
  body?: () => RequestBody;
  /** Token scopes the request needs (distribution token-auth "scope"). */
  scopes: string[];
  /** Whether transient failures may be retried here; uploads resume on their own instead. */
  retry?: boolean;
  signal?: AbortSignal;
}

export interface RegistryResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
  url: string;
}

// distribution token-auth spec ("Token Response Fields"): `token`, or the OAuth2 `access_token`.
const TokenResponseSchema = z.looseObject({
  token: z.string().optional(),
  access_token: z.string().optional(),
  expires_in: z.number().optional(),
});

const ErrorBodySchema = z.looseObject({
  errors: z.array(z.looseObject({ code: z.string().optional(), message: z.string().optional() })),
});

interface CachedToken {
  token: string;
  expiresAt: number;
}

const MAX_REDIRECTS = 5;
/** A token answer is a few KiB of JSON (token-auth spec "Token Response Fields"); 1 MiB is generous. */
const TOKEN_RESPONSE_LIMIT = 1024 * 1024;

export function headerValue(response: { headers: RegistryResponse['headers'] }, name: string): string | undefined {
  const value = response.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export async function discardBody(response: RegistryResponse): Promise<void> {
  try {
    await response.body.dump({ limit: 1 << 20 });
  } catch {
    // Nothing to salvage from a body we were going to throw away.
  }
}

function networkMessage(error: unknown): string {
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  const message = e.cause?.message ?? e.message ?? String(error);
  return code === undefined ? message : `${code}: ${message}`;
}

/**
 * Node's TLS failures: certificate verification (tls.TLSSocket `authorizationError` codes and the
 * host-name check) and OpenSSL handshake errors (`ERR_SSL_…`, e.g. a server speaking plain HTTP).
 */
function tlsFailure(error: unknown): string | undefined {
  const e = error as { code?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code)) return 'its TLS certificate is not trusted; trust its CA with a CA file, or skip verification';
  if (code.startsWith('ERR_SSL_')) return 'the TLS handshake failed; does it speak plain HTTP?';
  return undefined;
}

function isTimeout(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}

/**
 * HTTP for one registry: auth challenges (Basic and Bearer tokens per distribution's token-auth
 * spec, cached per scope set), manual redirects, and retries with backoff that honour Retry-After.
 * Credentials and tokens go to the registry's own origin only (see `sendOnce`).
 */
export class RegistryHttpClient {
  private readonly credentials: CredentialProvider;
  private readonly retryPolicy: RetryPolicy;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly userAgent: string;
  private readonly log: (line: string) => void;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly tokens = new Map<string, Promise<CachedToken>>();
  private readonly signal: AbortSignal | undefined;
  private challenge: AuthChallenge | undefined;
  private credential: Promise<Credential | undefined> | undefined;
  readonly registry: string;
  /** `scheme://host[:port]` of the registry's API: the one origin its credentials and tokens are sent to. */
  readonly origin: string;

  constructor(registry: string, options: HttpClientOptions = {}) {
    this.registry = registry;
    this.origin = new URL(`${registryScheme(registry, options)}://${registryApiHost(registry)}`).origin;
    this.credentials = options.credentials ?? anonymous;
    this.retryPolicy = { ...DEFAULT_RETRY, ...options.retry };
    this.userAgent = options.userAgent ?? 'sealpack';
    this.log = options.log ?? (() => {});
    this.sleep = options.sleep ?? ((ms) => sleepFor(ms));
    this.signal = options.signal;
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ??
      new Agent({
        headersTimeout: options.headersTimeoutMs ?? 60_000,
        bodyTimeout: options.bodyTimeoutMs ?? 60_000,
        connect: {
          // Node's `ca` replaces the default roots; a private CA is trusted beside them, not instead.
          ...(options.ca === undefined ? {} : { ca: [...rootCertificates, options.ca] }),
          ...(options.insecure === true ? { rejectUnauthorized: false } : {}),
        },
      });
  }

  get retry(): RetryPolicy {
    return this.retryPolicy;
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private getCredential(): Promise<Credential | undefined> {
    this.credential ??= this.credentials(this.registry);
    return this.credential;
  }

  private tokenKey(scopes: string[]): string {
    return [...scopes].sort().join(' ');
  }

  /** The Authorization header we already know how to make for these scopes, without a round trip. */
  private async knownAuthorization(scopes: string[]): Promise<string | undefined> {
    if (this.challenge === undefined) return undefined;
    if (this.challenge.scheme === 'basic') {
      const credential = await this.getCredential();
      return credential?.kind === 'basic' ? basicHeader(credential.username, credential.password) : undefined;
    }
    if (this.challenge.scheme === 'bearer') {
      const key = this.tokenKey(scopes);
      const pending = this.tokens.get(key);
      if (pending !== undefined) {
        const cached = await pending.catch(() => undefined);
        if (cached !== undefined && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
        if (this.tokens.get(key) !== pending) return this.knownAuthorization(scopes);
      }
      // One request per scope set, shared by everything that needs it at the same moment.
      const request = this.fetchToken(this.challenge, scopes);
      this.tokens.set(key, request);
      request.catch(() => {
        if (this.tokens.get(key) === request) this.tokens.delete(key);
      });
      return `Bearer ${(await request).token}`;
    }
    return undefined;
  }

  /**
   * distribution token-auth: GET realm?service&scope with Basic creds, or the OAuth2 refresh-token POST.
   * The realm is the one other origin that is sent the registry's credentials: token-auth ("How to
   * authenticate") has the client authenticate to the authorization service the registry's
   * challenge names, commonly on another host (Docker Hub's auth.docker.io for
   * registry-1.docker.io), as docker, containerd and oras do. Not in clear text, though, when the
   * registry itself is reached over TLS: a realm on plain HTTP would put the password on the wire.
   * The token obtained goes back to the registry's origin only (`sendOnce`).
   */
  private async fetchToken(challenge: AuthChallenge, scopes: string[]): Promise<CachedToken> {
    const realm = challenge.params.realm;
    if (realm === undefined) throw new OciError('UNAUTHORIZED', `${this.registry} asked for a bearer token but named no realm`);
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm);
    } catch {
      throw new OciError('UNAUTHORIZED', `${this.registry} named an invalid token realm`);
    }
    const service = challenge.params.service;
    const credential = await this.getCredential();
    if (credential !== undefined && realmUrl.protocol !== 'https:' && this.origin.startsWith('https:')) {
      throw new OciError('UNAUTHORIZED', `${this.registry} named a token service without TLS (${realmUrl.origin}); its credentials are not sent there in clear text`);
    }
    let response: Dispatcher.ResponseData;
    try {
      if (credential?.kind === 'identity-token') {
        const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credential.token, client_id: 'sealpack' });
        if (service !== undefined) form.set('service', service);
        if (scopes.length > 0) form.set('scope', scopes.join(' '));
        response = await request(realmUrl, {
          method: 'POST',
          dispatcher: this.dispatcher,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': this.userAgent },
          body: form.toString(),
        });
      } else {
        if (service !== undefined) realmUrl.searchParams.set('service', service);
        for (const scope of scopes) realmUrl.searchParams.append('scope', scope);
        const headers: Record<string, string> = { 'user-agent': this.userAgent };
        if (credential?.kind === 'basic') headers.authorization = basicHeader(credential.username, credential.password);
        response = await request(realmUrl, { method: 'GET', dispatcher: this.dispatcher, headers });
      }
    } catch (error) {
      throw new OciError('NETWORK', `cannot reach the token service of ${this.registry}: ${networkMessage(error)}`, { cause: error, retryable: true });
    }
    this.log(`token ${realmUrl.origin}${realmUrl.pathname} -> ${response.statusCode}`);
    if (response.statusCode === 401 || response.statusCode === 403) {
      await response.body.dump();
      throw new OciError('UNAUTHORIZED', `the token service of ${this.registry} refused the credentials${credential === undefined ? ' (none given: try sealpack login)' : ''}`, {
        status: response.statusCode,
      });
    }
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new OciError('REGISTRY_ERROR', `the token service of ${this.registry} answered HTTP ${response.statusCode}`, {
        status: response.statusCode,
        retryable: isRetryableStatus(response.statusCode),
      });
    }
    const body = await readBoundedBody(
      { status: response.statusCode, headers: response.headers, body: response.body },
      { limit: TOKEN_RESPONSE_LIMIT, what: `the token answer of ${this.registry}` },
    ).catch((error: unknown) => {
      // Too large is said as such; a body cut off midway is "returned no token" below.
      if (error instanceof OciError) throw error;
      return new Uint8Array();
    });
    const parsed = TokenResponseSchema.safeParse(parseJsonOrUndefined(body));
    const token = parsed.success ? (parsed.data.token ?? parsed.data.access_token) : undefined;
    if (token === undefined || token.length === 0) throw new OciError('UNAUTHORIZED', `the token service of ${this.registry} returned no token`);
    // token-auth spec: expires_in defaults to 60 s; renew a little early.
    const lifetime = (parsed.success ? (parsed.data.expires_in ?? 60) : 60) * 1000;
    return { token, expiresAt: Date.now() + Math.max(0, lifetime - 5_000) };
  }

  /** Sends a request, handling auth, redirects and retries. Any status may come back; see `expect`. */
  async send(request: RegistryRequest): Promise<RegistryResponse> {
    const signal = this.signal === undefined ? request.signal : alsoAbortedBy(request.signal, this.signal);
    const req = signal === undefined ? request : { ...request, signal };
    req.signal?.throwIfAborted();
    const retryable = req.retry ?? true;
    let attempt = 0;
    for (;;) {
      attempt++;
      try {
        const response = await this.sendOnce(req);
        if (retryable && isRetryableStatus(response.status) && attempt < this.retryPolicy.attempts) {
          const retryAfter = parseRetryAfter(headerValue(response, 'retry-after'));
          await discardBody(response);
          if (retryAfter !== undefined && retryAfter > this.retryPolicy.maxRetryAfterMs) {
            throw new OciError('REGISTRY_ERROR', `${this.registry} asked to retry after ${Math.round(retryAfter / 1000)} s (HTTP ${response.status}); giving up`, { status: response.status });
          }
          const delay = retryAfter ?? backoffDelay(this.retryPolicy, attempt);
          this.log(`retry ${req.method} ${redact(req.url)} after HTTP ${response.status} in ${delay} ms`);
          await this.sleep(delay);
          continue;
        }
        return response;
      } catch (error) {
        if (error instanceof OciError && !error.retryable) throw error;
        if (req.signal?.aborted === true) throw error;
        const wrapped = error instanceof OciError ? error : this.transportError(error, req);
        if (!retryable || !wrapped.retryable || attempt >= this.retryPolicy.attempts) throw wrapped;
        const delay = backoffDelay(this.retryPolicy, attempt);
        this.log(`retry ${req.method} ${redact(req.url)} after ${wrapped.message} in ${delay} ms`);
        await this.sleep(delay);
      }
    }
  }

  transportError(error: unknown, req: { method: string; url: string }): OciError {
    if (error instanceof OciError) return error;
    const where = `${req.method} ${redact(req.url)}`;
    if (isTimeout(error)) return new OciError('TIMEOUT', `${this.registry} stalled (${where})`, { cause: error, retryable: true });
    // A certificate not trusted now, or a server that speaks no TLS, is the same on the next try.
    const tls = tlsFailure(error);
    if (tls !== undefined) return new OciError('NETWORK', `cannot reach ${this.registry}: ${tls} (${networkMessage(error)})`, { cause: error });
    return new OciError('NETWORK', `cannot reach ${this.registry}: ${networkMessage(error)}`, { cause: error, retryable: true });
  }

  /**
   * One request with its redirects and one auth challenge. Credentials (Basic, or a bearer token
   * obtained for this registry) go only to the registry's own origin (scheme, host and port).
   * distribution-spec v1.1 lets a registry name other URLs: an upload session's Location ("Pushing
   * blobs"), a redirect to a storage backend ("Pulling blobs"), a Link to the next page ("Listing
   * Tags", "Listing Referrers"). Those are followed without Authorization, whether the first URL or
   * a later hop names the other origin: the registry's answer must not pick who sees its secrets.
   */
  private async sendOnce(req: RegistryRequest): Promise<RegistryResponse> {
    let url = req.url;
    let authorization: string | undefined;
    let authorizationKnown = false;
    let triedChallenge = false;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const sameOrigin = new URL(url).origin === this.origin;
      // Asked only on the way to the registry: a request elsewhere must not even fetch a token.
      if (sameOrigin && !authorizationKnown) {
        authorization = await this.knownAuthorization(req.scopes);
        authorizationKnown = true;
      }
      const headers: Record<string, string> = { 'user-agent': this.userAgent, ...req.headers };
      if (authorization !== undefined && sameOrigin) headers.authorization = authorization;
      const body = hop === 0 || req.method !== 'GET' ? (req.body?.() ?? null) : null;
      const response = await request(url, {
        method: req.method,
        headers,
        body,
        // undici closes the connection after every HEAD in case a broken server sends a body with
        // it; a HEAD response has none (RFC 9110 §9.3.2), and a new connection (a TLS handshake on
        // a real registry) per blob-exists check measured 1,000 connections for a 1,000-file push.
        ...(req.method === 'HEAD' ? { reset: false } : {}),
        dispatcher: this.dispatcher,
        ...(req.signal === undefined ? {} : { signal: req.signal }),
      });
      this.log(`${req.method} ${redact(url)} -> ${response.statusCode}`);
      const result: RegistryResponse = { status: response.statusCode, headers: response.headers, body: response.body, url };
      if (response.statusCode === 401 && sameOrigin && !triedChallenge) {
        const header = headerValue(result, 'www-authenticate');
        await discardBody(result);
        const challenges = parseWwwAuthenticate(header ?? '');
        const usable = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
        if (usable === undefined) throw new OciError('UNAUTHORIZED', `${this.registry} requires authentication it does not describe`, { status: 401 });
        this.challenge = usable;
        triedChallenge = true;
        // Drop a cached token only if it was the one refused; a request sent before the challenge
        // was known must not throw away a token a concurrent request has just fetched.
        if (usable.scheme === 'bearer' && authorization !== undefined) this.tokens.delete(this.tokenKey(req.scopes));
        authorization = await this.knownAuthorization(req.scopes);
        if (authorization === undefined) {
          throw new OciError('UNAUTHORIZED', `${this.registry} requires credentials (use sealpack login ${this.registry}, or -u/--password-stdin)`, { status: 401 });
        }
        hop--;
        continue;
      }
      if (response.statusCode >= 300 && response.statusCode < 400 && response.statusCode !== 304) {
        const location = headerValue(result, 'location');
        if (location === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) return result;
        await discardBody(result);
        url = new URL(location, url).toString();
        continue;
      }
      return result;
    }
    throw new OciError('REGISTRY_ERROR', `${this.registry} redirected more than ${MAX_REDIRECTS} times`);
  }

  /** Turns a non-success answer into a typed error, with the registry's own error code when it gave one. */
  async errorFor(response: RegistryResponse, what: string): Promise<OciError> {
    let detail = '';
    try {
      // Only the start matters, and an endless error body must not be read to its end.
      const text = await readBodyPrefix(response, 65_536);
      const parsed = ErrorBodySchema.safeParse(JSON.parse(text));
      const first = parsed.success ? parsed.data.errors[0] : undefined;
      if (first !== undefined) detail = `: ${[first.code, first.message].filter(Boolean).join(' ')}`;
    } catch {
      // The body was not a distribution-spec error document; the status alone will do.
    }
    const code: OciErrorCode =
      response.status === 401
        ? 'UNAUTHORIZED'
        : response.status === 403
          ? 'ACCESS_DENIED'
          : response.status === 404
            ? 'NOT_FOUND'
            : response.status === 405 || response.status === 501
              ? 'UNSUPPORTED'
              : 'REGISTRY_ERROR';
    const reason = code === 'NOT_FOUND' ? 'not found' : code === 'ACCESS_DENIED' ? 'access denied' : code === 'UNAUTHORIZED' ? 'authentication failed' : `HTTP ${response.status}`;
    return new OciError(code, `${what}: ${reason}${detail}`, { status: response.status, retryable: isRetryableStatus(response.status) });
  }
}

function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** Upload URLs carry opaque state; print only scheme, host and path. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '<url>';
  }
}
