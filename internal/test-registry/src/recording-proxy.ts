import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  /** The `Authorization` header as sent, or undefined when the request carried none. */
  authorization: string | undefined;
  /** The registry's answer (0 until it came). */
  status: number;
}

export interface RecordingProxyOptions {
  /**
   * Rewrites the Authorization header on its way to the registry (undefined: leave it). A token
   * the test has revoked becomes one the registry refuses, as if it had expired there.
   */
  rewriteAuthorization?: (value: string) => string | undefined;
}

export interface RecordingProxy {
  /** `127.0.0.1:PORT`: use it as the registry part of a reference. */
  host: string;
  readonly requests: readonly RecordedRequest[];
  /** The distinct user names of the Basic credentials sent with requests number `since` onwards. */
  basicUsers(since?: number): string[];
  stop(): Promise<void>;
}

/**
 * An HTTP proxy on 127.0.0.1:0 in front of a plain-HTTP registry that records every request's
 * method, path and Authorization header: what a registry was told, to prove which credentials
 * reached which registry.
 */
export async function startRecordingProxy(targetPort: number, options: RecordingProxyOptions = {}): Promise<RecordingProxy> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((incoming: IncomingMessage, outgoing) => {
    const record: RecordedRequest = { method: incoming.method ?? '', url: incoming.url ?? '', authorization: incoming.headers.authorization, status: 0 };
    requests.push(record);
    const headers = { ...incoming.headers };
    const rewritten = headers.authorization === undefined ? undefined : options.rewriteAuthorization?.(headers.authorization);
    if (rewritten !== undefined) headers.authorization = rewritten;
    const forwarded = request({ host: '127.0.0.1', port: targetPort, method: incoming.method, path: incoming.url, headers }, (answer) => {
      record.status = answer.statusCode ?? 502;
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    basicUsers: (since = 0) => [
      ...new Set(
        requests
          .slice(since)
          .map((r) => r.authorization)
          .filter((a): a is string => a?.startsWith('Basic ') === true)
          .map((a) => Buffer.from(a.slice('Basic '.length), 'base64').toString('utf8').split(':')[0] ?? ''),
      ),
    ],
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
