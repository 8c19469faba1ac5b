import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  /** The `Authorization` header as sent, or undefined when the request carried none. */
  authorization: string | undefined;
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
export async function startRecordingProxy(targetPort: number): Promise<RecordingProxy> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((incoming: IncomingMessage, outgoing) => {
    requests.push({ method: incoming.method ?? '', url: incoming.url ?? '', authorization: incoming.headers.authorization });
    const forwarded = request({ host: '127.0.0.1', port: targetPort, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
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
