import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface FaultProxy {
  host: string;
  /** Bytes forwarded client→registry and registry→client so far. */
  readonly upstreamBytes: number;
  readonly downstreamBytes: number;
  /** Cut every open connection once this many more bytes have flowed in that direction (fires once). */
  cutAfter(direction: 'upstream' | 'downstream', bytes: number): void;
  /** Stop forwarding (but keep connections open) once this many more bytes flowed: a stall. */
  stallAfter(direction: 'upstream' | 'downstream', bytes: number): void;
  readonly cuts: number;
  /**
   * Resolves the next time a stall holds data back: a test acts on a stalled transfer (aborts it,
   * say) when the stall has really happened, not after a guessed delay.
   */
  whenStalled(): Promise<void>;
  stop(): Promise<void>;
}

/** A TCP proxy on 127.0.0.1:0 in front of a registry that can cut or stall a transfer part way. */
export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  const sockets = new Set<Socket>();
  let upstreamBytes = 0;
  let downstreamBytes = 0;
  let cuts = 0;
  let rule: { direction: 'upstream' | 'downstream'; at: number; action: 'cut' | 'stall' } | undefined;
  let stallWaiters: Array<() => void> = [];

  const check = (direction: 'upstream' | 'downstream', total: number): 'cut' | 'stall' | undefined => {
    if (rule === undefined || rule.direction !== direction || total < rule.at) return undefined;
    const action = rule.action;
    if (action === 'cut') {
      rule = undefined;
      cuts++;
    } else {
      const waiters = stallWaiters;
      stallWaiters = [];
      for (const wake of waiters) wake();
    }
    return action;
  };

  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const cutBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    // Backpressure both ways, so the byte counts are what the far side really received.
    client.on('data', (chunk: Buffer) => {
      upstreamBytes += chunk.byteLength;
      const action = check('upstream', upstreamBytes);
      if (action === 'cut') return cutBoth();
      if (action === 'stall') return;
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (chunk: Buffer) => {
      downstreamBytes += chunk.byteLength;
      const action = check('downstream', downstreamBytes);
      if (action === 'cut') return cutBoth();
      if (action === 'stall') return;
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    get upstreamBytes() {
      return upstreamBytes;
    },
    get downstreamBytes() {
      return downstreamBytes;
    },
    get cuts() {
      return cuts;
    },
    cutAfter(direction, bytes) {
      rule = { direction, at: (direction === 'upstream' ? upstreamBytes : downstreamBytes) + bytes, action: 'cut' };
    },
    stallAfter(direction, bytes) {
      rule = { direction, at: (direction === 'upstream' ? upstreamBytes : downstreamBytes) + bytes, action: 'stall' };
    },
    whenStalled: () => new Promise<void>((resolve) => stallWaiters.push(resolve)),
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
