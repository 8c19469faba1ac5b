import { mkdtemp, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readRequestBody, startFakeRegistry, type FakeRegistry } from '@sealpack/test-registry';
import { sha256Of } from '@sealpack/oci-client';
import { runCli } from './run-cli.ts';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const INDEX = 'application/vnd.oci.image.index.v1+json';
// A window retitle (OSC 0 … BEL), a screen clear (CSI 2J), a C1 CSI and a right-to-left override.
const HOSTILE = '\x1b]0;pwned\x07\x1b[2J\u009b31m\u202e';
/** Bytes that, printed raw, the terminal acts on. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for exactly these.
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]/;

let fake: FakeRegistry | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  fake = await startFakeRegistry(handler);
  return fake.host;
}

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'sealpack-hostile-output-'));
}

const manifest = JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256Of('{}'), size: 2 }, layers: [] });

/** A registry holding `data/x:v1`, whose referrers and errors carry what `hostile` asks. */
function hostileRegistry(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '';
  if (url.startsWith('/v2/data/x/tags/list')) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'data/x', tags: ['ok', HOSTILE] }));
  if (url.startsWith('/v2/data/x/manifests/v1') || url.startsWith(`/v2/data/x/manifests/${sha256Of(manifest)}`)) {
    const head = { 'content-type': MANIFEST, 'docker-content-digest': sha256Of(manifest), 'content-length': String(Buffer.byteLength(manifest)) };
    return void res.writeHead(200, head).end(req.method === 'HEAD' ? undefined : manifest);
  }
  if (url.startsWith('/v2/data/x/manifests/v2')) {
    // No HEAD (distribution-spec lets a registry refuse it), so the GET's error body is read.
    if (req.method === 'HEAD') return void res.writeHead(405).end();
  }
  if (url.startsWith('/v2/data/x/referrers/')) {
    const own = url.startsWith(`/v2/data/x/referrers/${sha256Of(manifest)}`);
    const index = {
      schemaVersion: 2,
      mediaType: INDEX,
      manifests: !own ? [] : [{ mediaType: MANIFEST, digest: sha256Of('r'), size: 1, artifactType: 'application/vnd.example.note', annotations: { note: HOSTILE } }],
    };
    return void res.writeHead(200, { 'content-type': INDEX }).end(JSON.stringify(index));
  }
  res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: `gone ${HOSTILE}` }] }));
}

describe('registry-supplied strings reach the terminal escaped', () => {
  it('a hostile tag is escaped in tags, and --json keeps its value with every control character escaped', async () => {
    const host = await serve(hostileRegistry);
    const cwd = await scratch();
    const human = await runCli(['tags', `${host}/data/x`], { cwd });
    expect(human.code).toBe(0);
    expect(human.stdout).not.toMatch(RAW_CONTROL);
    expect(human.stdout).toContain('\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202e');
    const json = await runCli(['tags', `${host}/data/x`, '--json'], { cwd });
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain(JSON.stringify(HOSTILE).slice(1, -1));
  });

  it('a hostile annotation from the referrers answer is inert in discover, human and --json', async () => {
    // artifactType and digest pass a schema on the way in; annotations are free text.
    const host = await serve(hostileRegistry);
    const cwd = await scratch();
    const human = await runCli(['discover', `${host}/data/x:v1`], { cwd });
    expect(human.code).toBe(0);
    expect(human.stdout + human.stderr).not.toMatch(RAW_CONTROL);
    const json = await runCli(['discover', `${host}/data/x:v1`, '--json'], { cwd });
    expect(json.code).toBe(0);
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(json.stdout)).toMatchObject({ referrers: [{ annotations: { note: HOSTILE } }] });
  });

  it("a registry's hostile error message is escaped in verify's failure", async () => {
    const host = await serve(hostileRegistry);
    const cwd = await scratch();
    const result = await runCli(['verify', `${host}/data/x:v2`, '--certificate-identity', 'a@b', '--certificate-oidc-issuer', 'https://i'], { cwd });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('gone \\x1b]0;pwned');
    expect(result.stdout + result.stderr).not.toMatch(RAW_CONTROL);
  });
});

describe('secrets never reach the output', () => {
  const jwt = (claims: object) => `${Buffer.from('{"alg":"ES256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg`;

  it('an identity token given with --identity-token is in neither stdout, stderr nor --json, even when Fulcio echoes it in its error', async () => {
    const token = jwt({ iss: 'https://issuer.example', sub: 'ci@example.org', aud: 'sigstore', exp: 4102444800 });
    // A Fulcio that refuses the token and quotes the request back (as some proxies and servers do).
    const fulcio = await startFakeRegistry((req, res) => {
      void readRequestBody(req).then((body) =>
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 401, message: `bad token ${req.headers.authorization ?? ''} ${body.toString('utf8')} ${token}` })),
      );
    });
    try {
      const cwd = await scratch();
      await writeFile(join(cwd, 'data.txt'), 'x\n');
      expect((await runCli(['push', 'ocidir://lay:v1', 'data.txt'], { cwd })).code).toBe(0);
      for (const extra of [[], ['--json'], ['--debug']]) {
        const result = await runCli(['sign', 'ocidir://lay:v1', '--identity-token', token, '--fulcio-url', `http://${fulcio.host}`, '--tlog-upload=false', ...extra], { cwd });
        expect(result.code).not.toBe(0);
        const everything = result.stdout + result.stderr;
        expect(everything.length).toBeGreaterThan(0);
        expect(everything).not.toContain(token);
        expect(everything).not.toContain(token.split('.')[1]);
      }
    } finally {
      await fulcio.stop();
    }
  });
});
