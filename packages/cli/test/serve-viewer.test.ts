import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.ts';
import { runCli } from './run-cli.ts';

// The evidence viewer in a real browser: Debian's chromium, driven by playwright-core (./run test
// installs the package; playwright's own browser download is never used).
const CHROMIUM = process.env.SEALPACK_CHROMIUM ?? '/usr/bin/chromium';
const BASELINE = fileURLToPath(new URL('../../policy/examples/baseline.yaml', import.meta.url));
const SCREENSHOTS = fileURLToPath(new URL('../test-results/', import.meta.url));

let cwd: string;
let env: NodeJS.ProcessEnv;
let url: string;
let stopped: Promise<number>;
const stop = new AbortController();

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'sealpack-serve-'));
  env = { HOME: cwd, DOCKER_CONFIG: join(cwd, '.docker'), COSIGN_PASSWORD: 'serve', SOURCE_DATE_EPOCH: '1780272000' };
  const ok = async (args: string[]) => expect((await runCli(args, { cwd, env })).code).toBe(0);
  await ok(['generate-key-pair']);
  await writeFile(join(cwd, 'raw.csv'), 'id,x,y\n1,24.9,60.1\n');
  await writeFile(join(cwd, 'parks.geojson'), '{"type":"FeatureCollection","features":[]}\n');
  await writeFile(
    join(cwd, 'parks.stac.json'),
    `${JSON.stringify({ type: 'Feature', stac_version: '1.1.0', id: 'parks', geometry: null, properties: { datetime: '2026-06-01T00:00:00Z' }, links: [], assets: { data: { href: './parks.geojson' } } })}\n`,
  );
  const sign = ['--key', 'cosign.key', '--tlog-upload=false', '--policy', BASELINE];
  await ok(['push', 'ocidir://raw:v1', 'raw.csv', '-a', 'dev.sealpack.sensitivity=public']);
  // A good release, made from the raw artifact: its lineage has an artifact input.
  await ok([
    'publish',
    'parks.geojson',
    '--to',
    'ocidir://good:v1',
    '-a',
    'org.opencontainers.image.licenses=CC-BY-4.0',
    '-a',
    'dev.sealpack.sensitivity=public',
    '--derived-from',
    'ocidir://raw:v1',
    '--stac',
    'parks.stac.json',
    ...sign,
    '--out',
    'good-evidence',
  ]);
  // A refused one: pushed and signed, but the gate denies its licence.
  const denied = await runCli(
    ['publish', 'parks.geojson', '--to', 'ocidir://refused:v1', '-a', 'org.opencontainers.image.licenses=GPL-3.0-only', '-a', 'dev.sealpack.sensitivity=public', ...sign, '--out', 'refused-evidence'],
    { cwd, env },
  );
  expect(denied.code).toBe(1);
  // A denied publish leaves nothing by name; the refused artifact is published under a laxer policy
  // instead, and the viewer's baseline then refuses it.
  expect((await runCli(['resolve', 'ocidir://refused:v1'], { cwd, env })).code).not.toBe(0);
  await writeFile(join(cwd, 'lax.yaml'), 'apiVersion: sealpack.dev/policy/v1\nkind: Policy\nmetadata: { name: lax }\nrules:\n  - { id: signed, type: signatures }\n');
  await ok([
    'publish',
    'parks.geojson',
    '--to',
    'ocidir://refused:v1',
    '-a',
    'org.opencontainers.image.licenses=GPL-3.0-only',
    '-a',
    'dev.sealpack.sensitivity=public',
    '--derived-from',
    'ocidir://raw:v1',
    '--key',
    'cosign.key',
    '--tlog-upload=false',
    '--policy',
    'lax.yaml',
    '--out',
    'refused-evidence',
  ]);

  const stdout = new PassThrough();
  const printed = new Promise<string>((done) => stdout.once('data', (chunk: Buffer) => done(chunk.toString('utf8'))));
  stopped = main(
    [
      'serve',
      'ocidir://good:v1',
      'ocidir://refused:v1',
      'ocidir://gone:v1',
      '--key',
      'cosign.pub',
      '--insecure-ignore-tlog',
      '--policy',
      BASELINE,
      '--catalog',
      'good-evidence/parks.stac.json',
      '--port',
      '0',
    ],
    { stdout, stderr: new PassThrough(), stdin: new PassThrough(), env, cwd, signal: stop.signal },
  );
  const line = await printed;
  url = /http:\/\/127\.0\.0\.1:\d+\//.exec(line)?.[0] ?? '';
  expect(url).not.toBe('');
});

afterAll(async () => {
  stop.abort();
  expect(await stopped).toBe(0);
});

describe('sealpack serve, the evidence viewer', () => {
  it('in Chromium: the verdict, the rules, the signatures, the lineage picture and the files, for a good and a refused artifact', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(url);
      expect(await page.locator('[data-verdict]').evaluateAll((els) => els.map((e) => e.getAttribute('data-verdict')))).toEqual(['allow', 'deny']);

      await page.click('a[href="/artifact/0"]');
      await expect.poll(() => page.locator('h1').textContent()).toMatch(/good@sha256:[a-f0-9]{64}$/);
      expect(await page.locator('[data-verdict]').getAttribute('data-verdict')).toBe('allow');
      expect(await page.locator('#rules tr.bad').count()).toBe(0);
      expect(await page.locator('#signatures tbody tr.ok').count()).toBe(3); // the signature, PROV and the SBOM
      // The lineage is drawn: the artifact, the raw artifact it came from and the files, as boxes with size.
      const lineage = page.locator('#lineage svg');
      const box = await lineage.boundingBox();
      expect(box?.width).toBeGreaterThan(300);
      expect(await page.locator('#lineage g.node').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual(
        expect.arrayContaining([expect.stringMatching(/\/good@sha256:/), expect.stringMatching(/\/raw@sha256:/)]),
      );
      expect(await page.locator('#lineage g.node[data-tone="ok"]').count()).toBeGreaterThanOrEqual(1);
      expect(await page.locator('#referrers g.node').count()).toBe(4);
      expect(await page.locator('#catalogs pre').textContent()).toContain('good@sha256:');
      expect(await page.locator('table').last().textContent()).toContain('parks.geojson');
      await mkdir(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, 'viewer-allow.png'), fullPage: true });

      await page.goto(`${url}artifact/1`);
      expect(await page.locator('[data-verdict]').getAttribute('data-verdict')).toBe('deny');
      expect(await page.locator('#rules tr.bad').textContent()).toMatch(/license.*GPL-3\.0-only/);
      expect((await page.locator('#lineage svg').boundingBox())?.height).toBeGreaterThan(20);
      expect(await page.locator('#lineage g.node').count()).toBeGreaterThanOrEqual(2);
      // No catalog names a denied artifact.
      expect(await page.locator('#catalogs').count()).toBe(0);
      await page.screenshot({ path: join(SCREENSHOTS, 'viewer-deny.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });

  it('is read-only, answers only to its own address, and lets no script run', async () => {
    const page = await fetch(url);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(await page.text()).not.toMatch(/<script/i);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${url}artifact/7`)).status).toBe(404);
    // An artifact that cannot be read is told as such, and the others are still served.
    expect(await (await fetch(url)).text()).toMatch(/ERROR<\/span> <span class="bad">[^<]*gone[^<]*<\/span>/);
    const gone = await fetch(`${url}artifact/2`);
    expect(gone.status).toBe(502);
    expect(await gone.text()).toMatch(/gone/);
    const json = (await (await fetch(`${url}artifact/1.json`)).json()) as { decision: { allow: boolean } };
    expect(json.decision.allow).toBe(false);
    // A rebinding page reaches 127.0.0.1 under its own host name: refused.
    const { request } = await import('node:http');
    const status = await new Promise<number | undefined>((done) => {
      request(url, { headers: { host: 'attacker.example' } }, (res) => {
        res.resume();
        done(res.statusCode);
      }).end();
    });
    expect(status).toBe(421);
    // A second viewer on the same port: a one-line I/O failure, not a stack trace.
    const port = new URL(url).port;
    const taken = await runCli(['serve', 'ocidir://good:v1', '--key', 'cosign.pub', '--port', port], { cwd, env });
    expect(taken).toMatchObject({ code: 3, stderr: `sealpack serve: cannot listen on 127.0.0.1:${port}: the port is in use (--port N picks another, --port 0 any free one) [LISTEN_FAILED]\n` });
  });
});
