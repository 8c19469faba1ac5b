import { mkdtemp, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { askingForBasic, fakeRegistryGroup, readRequestBody, type FakeRegistry } from '@sealpack/test-registry';
import { runCli } from './run-cli.ts';

// -u/--password-stdin are for the registry the reference names, at its origin (scheme, host, port).
// A registry's answer may name another origin (a tag-list Link, an upload Location: distribution-spec
// v1.1 "Listing Tags", "Pushing blobs"); the request there goes without the credentials.
const PASSWORD = 'alice-for-the-registry-only';
const leaked = (server: FakeRegistry) => server.requests.filter((r) => r.headers.authorization !== undefined);

const servers = fakeRegistryGroup();
const start = servers.start;
let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'sealpack-credential-origin-'));
  await writeFile(join(cwd, 'notes.txt'), 'notes\n');
});
afterEach(servers.stopAll);

const elsewhere = (req: IncomingMessage, res: ServerResponse) => {
  if (req.url?.includes('/tags/list') === true) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"name":"x","tags":["planted"]}');
  void readRequestBody(req).then(() => res.writeHead(req.method === 'PUT' ? 201 : 202).end());
};

describe('command-line credentials stay at the registry origin', () => {
  it('sealpack tags does not send them to the origin a Link names', async () => {
    const other = await start(elsewhere);
    const registry = await start(
      askingForBasic((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', link: `<http://${other.host}/v2/x/tags/list?n=1000>; rel="next"` }).end('{"name":"x","tags":["v1"]}');
      }),
    );
    await runCli(['tags', `${registry.host}/x`, '-u', 'alice', '--password-stdin'], { cwd, stdin: `${PASSWORD}\n` });
    expect(leaked(registry).length).toBeGreaterThan(0);
    expect(leaked(other)).toEqual([]);
  });

  it('sealpack push uploads to an upload Location on another origin without them', async () => {
    const other = await start(elsewhere);
    const registry = await start(
      askingForBasic((req, res) => {
        if (req.method === 'POST') return void res.writeHead(202, { location: `http://${other.host}/upload/abc` }).end();
        if (req.method === 'PUT') return void readRequestBody(req).then(() => res.writeHead(201).end());
        res.writeHead(404).end();
      }),
    );
    const result = await runCli(['push', `${registry.host}/x:v1`, 'notes.txt', '-u', 'alice', '--password-stdin'], { cwd, stdin: `${PASSWORD}\n` });
    expect(result.code).toBe(0);
    expect(other.requests.some((r) => r.method === 'PUT')).toBe(true);
    expect(leaked(registry).length).toBeGreaterThan(0);
    expect(leaked(other)).toEqual([]);
  });
});
