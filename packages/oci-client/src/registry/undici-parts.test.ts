import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Agent, request } from './undici-parts.ts';

const requireHere = createRequire(import.meta.url);

// undici-parts.ts loads undici's lib/ files by path, which undici does not promise to keep: these
// tests fail loudly on an upgrade that moves them, and on a pin that would let one slip in.
describe("undici-parts: undici's private files, under an exact pin", () => {
  it('the pin in package.json is exact, and it is the version installed', () => {
    const pinned = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> }).dependencies.undici;
    expect(pinned, 'undici must be pinned exactly (no ^ or ~): undici-parts.ts loads its lib/ files by path').toMatch(/^\d+\.\d+\.\d+$/);
    const installed = (JSON.parse(readFileSync(requireHere.resolve('undici/package.json'), 'utf8')) as { version: string }).version;
    expect(installed, 'installed undici differs from the pin: check the lib/ paths in undici-parts.ts before upgrading').toBe(pinned);
  });

  it('the Agent and the request API it loads by path send a request', async () => {
    const server = createServer((_, res) => res.end('pong'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const agent = new Agent();
    try {
      const { port } = server.address() as AddressInfo;
      const response = await request(`http://127.0.0.1:${port}/ping?x=1`, { method: 'GET', dispatcher: agent });
      expect(response.statusCode).toBe(200);
      expect(await response.body.text()).toBe('pong');
    } finally {
      await agent.close();
      server.close();
    }
  });
});
