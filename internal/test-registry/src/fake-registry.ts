import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface FakeRegistry {
  host: string;
  requests: Array<{ method: string; url: string; headers: IncomingMessage['headers'] }>;
  stop(): Promise<void>;
}

/**
 * A scripted HTTP server on 127.0.0.1:0 for registry misbehaviour the real one cannot be made to
 * show (lying Content-Length, wrong digests, endless bodies). Used only for those cases.
 */
export async function startFakeRegistry(handler: (req: IncomingMessage, res: ServerResponse) => void, tls?: { key: string; cert: string }): Promise<FakeRegistry> {
  const requests: FakeRegistry['requests'] = [];
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res);
  };
  const server: Server = tls === undefined ? createServer(listener) : createTlsServer(tls, listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The whole body of a request a fake registry received. */
export function readRequestBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/** Wraps a handler so that a request without Authorization is first asked for Basic credentials (`WWW-Authenticate: Basic`). */
export function askingForBasic(handler: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.headers.authorization === undefined) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' }).end();
    handler(req, res);
  };
}

/** Fake registries a test starts on several ports (a registry and the other origins it names), stopped together by `stopAll`. */
export function fakeRegistryGroup(): { start: typeof startFakeRegistry; stopAll: () => Promise<void> } {
  const started: FakeRegistry[] = [];
  return {
    start: async (handler, tls) => {
      const server = await startFakeRegistry(handler, tls);
      started.push(server);
      return server;
    },
    stopAll: async () => {
      await Promise.all(started.splice(0).map((s) => s.stop()));
    },
  };
}
