import { createRequire } from 'node:module';
import type { Agent as UndiciAgent, Dispatcher } from 'undici';

// undici's index also loads fetch, WebSocket, EventSource, the cache and the mock layers, none of
// which sealpack uses: loading only the Agent and the request API measured 25 -> 14 MB of RSS at
// start, which counts against the 128 MB peak a whole transfer may use. undici has no `exports`
// map, so these paths are files of the exactly pinned version (package.json: no ^ or ~), kept only
// while that pin stays; undici-parts.test.ts fails loudly on an upgrade that moves them.
const requireUndici = createRequire(import.meta.url);

export const Agent = requireUndici('undici/lib/dispatcher/agent.js') as typeof UndiciAgent;

/**
 * undici writes an async iterable body chunk by chunk (lib/core/request.js accepts any iterable,
 * lib/dispatcher/client-h1.js `writeIterable`); its .d.ts lists only streams, strings and bytes.
 */
type RequestOptions = Omit<Dispatcher.RequestOptions, 'body'> & { body?: Dispatcher.RequestOptions['body'] | AsyncIterable<Uint8Array> };

const apiRequest = requireUndici('undici/lib/api/api-request.js') as (this: Dispatcher, options: RequestOptions) => Promise<Dispatcher.ResponseData>;

/** undici's `request(url, { dispatcher })`, without the index that attaches it to every dispatcher. */
export function request(url: string | URL, options: Omit<RequestOptions, 'origin' | 'path'> & { dispatcher: Dispatcher }): Promise<Dispatcher.ResponseData> {
  const { dispatcher, ...rest } = options;
  const parsed = new URL(url);
  return apiRequest.call(dispatcher, { ...rest, origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` });
}
