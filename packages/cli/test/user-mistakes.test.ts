import { mkdir, mkdtemp, readdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { startRegistryProcess, uniqueRepository } from '@sealpack/test-registry';
import { runCli } from './run-cli.ts';

const registries = inject('registries');

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'sealpack-mistakes-'));
  await writeFile(join(cwd, 'notes.txt'), 'hello\n');
});

/** One line on stderr, the expected status, and nothing that looks like Node's raw error text. */
function expectOneLine(result: { code: number; stderr: string }, code: number, pattern: RegExp): void {
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\b(ENOENT|EISDIR|EEXIST|ENOTDIR):/);
  expect(result.code).toBe(code);
}

describe('what a new user gets wrong: one line, the documented exit code, nothing half-written', () => {
  it('--json failures are one JSON document on stdout too', async () => {
    const result = await runCli(['resolve', 'ocidir://nowhere:v1', '--json'], { cwd });
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'NOT_FOUND', message: expect.stringMatching(/nowhere/), exitCode: 3 } });
    const usage = await runCli(['resolve', '--json', '--nope'], { cwd });
    expect(JSON.parse(usage.stdout)).toMatchObject({ error: { code: 'USAGE', exitCode: 2 } });
  });

  it('a registry host without a repository is refused, never sent to Docker Hub', async () => {
    expectOneLine(await runCli(['push', registries.anonymous.host, 'notes.txt'], { cwd }), 2, /names a registry host but no repository \(add \/REPO/);
  });

  it('--artifact-type that is not a media type is exit 2 naming the flag; FILE:TEXT says TEXT is no media type', async () => {
    expectOneLine(await runCli(['push', 'ocidir://lay:v1', 'notes.txt', '--artifact-type', 'not a type'], { cwd }), 2, /--artifact-type 'not a type': not a media type/);
    expectOneLine(await runCli(['attach', 'ocidir://lay:v1', 'notes.txt', '--artifact-type', 'sbom'], { cwd }), 2, /--artifact-type 'sbom': not a media type/);
    expectOneLine(await runCli(['push', 'ocidir://lay:v1', 'notes.txt:text'], { cwd }), 2, /'text' after .*notes\.txt is not a media type \(want TYPE\/SUBTYPE/);
  });

  it('push /dev/null: not a regular file', async () => {
    expectOneLine(await runCli(['push', 'ocidir://lay:v1', '/dev/null'], { cwd }), 2, /\/dev\/null is not a regular file/);
  });

  it('push --subject in another repository is refused before anything is written', async () => {
    const here = `${registries.anonymous.host}/${uniqueRepository()}`;
    const there = `${registries.anonymous.host}/${uniqueRepository()}`;
    expect((await runCli(['push', `${there}:v1`, 'notes.txt'], { cwd })).code).toBe(0);
    expectOneLine(await runCli(['push', `${here}:sig`, 'notes.txt', '--subject', `${there}:v1`], { cwd }), 2, /--subject must name a manifest in the repository pushed to/);
    expectOneLine(await runCli(['tags', here], { cwd }), 3, /NOT_FOUND/);
    expect((await runCli(['push', 'ocidir://a:v1', 'notes.txt'], { cwd })).code).toBe(0);
    expectOneLine(await runCli(['push', 'ocidir://b:sig', 'notes.txt', '--subject', 'ocidir://a:v1'], { cwd }), 2, /--subject must name a manifest/);
    expect(await readdir(cwd)).not.toContain('b');
  });

  it('tags of a repository the registry does not have is an error, not an empty list', async () => {
    expectOneLine(await runCli(['tags', `${registries.anonymous.host}/${uniqueRepository()}`], { cwd }), 3, /tags of .*: .*\[NOT_FOUND\]/);
  });

  it('backup: a missing parent directory, a non-empty directory without --merge, and ocidir:// spelled out', async () => {
    expect((await runCli(['push', 'ocidir://lay:v1', 'notes.txt'], { cwd })).code).toBe(0);
    expectOneLine(await runCli(['backup', 'ocidir://lay:v1', '-o', '/nonexistent/dir/x.tar'], { cwd }), 2, /cannot write \/nonexistent\/dir\/x\.tar: \/nonexistent\/dir is not an existing directory/);
    expect((await runCli(['backup', 'ocidir://lay:v1', '-o', 'ocidir://saved'], { cwd })).code).toBe(0);
    expect((await readdir(join(cwd, 'saved'))).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
    expect(await readdir(cwd)).not.toContain('ocidir:');
    expectOneLine(await runCli(['backup', 'ocidir://lay:v1', '-o', 'saved'], { cwd }), 2, /saved is not empty \(use --merge/);
    expect((await runCli(['backup', 'ocidir://lay:v1', '-o', 'saved', '--merge'], { cwd })).code).toBe(0);
    expectOneLine(await runCli(['backup', 'ocidir://lay:v1', '-o', 'ocidir://x:v2'], { cwd }), 2, /give the directory alone/);
  });

  it('restore: a missing path, a file that is no tar, a tar by its content whatever its name, several tags on one root', async () => {
    expectOneLine(await runCli(['restore', 'MISSING.tar', 'ocidir://out:v1'], { cwd }), 2, /cannot restore .*MISSING\.tar: no such file or directory/);
    expectOneLine(await runCli(['restore', 'notes.txt', 'ocidir://out:v1'], { cwd }), 2, /neither a backup directory nor a tar archive/);
    expect((await runCli(['push', 'ocidir://lay:v1', 'notes.txt'], { cwd })).code).toBe(0);
    expect((await runCli(['backup', 'ocidir://lay:v1', '-o', 'saved.tar'], { cwd })).code).toBe(0);
    await rename(join(cwd, 'saved.tar'), join(cwd, 'saved.bin'));
    const restored = await runCli(['restore', 'saved.bin', 'ocidir://out', '--json'], { cwd });
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ tag: 'v1', tags: ['v1'] });
    // Two tags on the one root are one backup, restored under both.
    expect((await runCli(['tag', 'ocidir://lay:v1', 'stable'], { cwd })).code).toBe(0);
    const again = await runCli(['restore', 'lay', 'ocidir://out2'], { cwd });
    expect(again.stderr).toBe('');
    expect(again.stdout).toMatch(/tags stable, v1/);
    expect((await runCli(['tags', 'ocidir://out2'], { cwd })).stdout).toBe('stable\nv1\n');
  });

  it('pull: titles a and a/b in one manifest are refused before anything is written', async () => {
    await mkdir(join(cwd, 'tree', 'a'), { recursive: true });
    await writeFile(join(cwd, 'tree', 'a', 'b'), 'inner');
    await writeFile(join(cwd, 'a'), 'outer');
    // `../a` is titled `a` (it leaves the working directory), `a/b` keeps its folder: one artifact.
    const both = await runCli(['push', 'ocidir://../lay:v3', '../a', 'a/b'], { cwd: join(cwd, 'tree') });
    expect(both.code).toBe(0);
    expectOneLine(await runCli(['pull', 'ocidir://lay:v3', '-o', 'out'], { cwd }), 1, /layer titles 'a' and 'a\/b' cannot both be files: .* \[PATH_CONFLICT\]/);
    expect(await readdir(cwd)).not.toContain('out');
  });
});

describe('pull and verify --pull take one path with one set of rules: every conflict found before the first file lands', () => {
  const env = () => ({ HOME: cwd, DOCKER_CONFIG: join(cwd, '.docker'), COSIGN_PASSWORD: 'correct horse' });
  /** a.txt, b.txt, c.txt pushed and signed; `out/` is where each case pulls. */
  async function signedArtifact(): Promise<void> {
    for (const name of ['a.txt', 'b.txt', 'c.txt']) await writeFile(join(cwd, name), `content of ${name}`);
    await writeFile(join(cwd, 'outside.txt'), 'outside');
    expect((await runCli(['generate-key-pair'], { cwd, env: env() })).code).toBe(0);
    expect((await runCli(['push', 'ocidir://lay:v1', 'a.txt', 'b.txt', 'c.txt'], { cwd })).code).toBe(0);
    expect((await runCli(['sign', 'ocidir://lay:v1', '--key', 'cosign.key', '--tlog-upload=false'], { cwd, env: env() })).code).toBe(0);
    await mkdir(join(cwd, 'out'));
  }
  const commands: Array<[string, string[]]> = [
    ['pull', ['pull', 'ocidir://lay:v1', '-o', 'out']],
    ['pull --overwrite', ['pull', 'ocidir://lay:v1', '-o', 'out', '--overwrite']],
    ['verify --pull', ['verify', 'ocidir://lay:v1', '--key', 'cosign.pub', '--insecure-ignore-tlog', '--pull', 'out']],
  ];

  it.each(commands)('%s: a link already in DIR that points outside is refused (exit 2), nothing written through it or beside it', async (_, args) => {
    await signedArtifact();
    await symlink(join(cwd, 'outside.txt'), join(cwd, 'out', 'c.txt'));
    expectOneLine(await runCli(args, { cwd, env: env() }), 2, /out\/c\.txt is a symbolic link, and pull writes nothing through one .*\[OUTPUT_CONFLICT\]/);
    expect(await readFile(join(cwd, 'outside.txt'), 'utf8')).toBe('outside');
    expect(await readdir(join(cwd, 'out'))).toEqual(['c.txt']);
  });

  it.each(commands.filter(([name]) => name !== 'pull --overwrite'))('%s: a file there with other content is refused without --overwrite (exit 2), and no other file is written', async (_, args) => {
    await signedArtifact();
    await writeFile(join(cwd, 'out', 'c.txt'), 'mine');
    expectOneLine(await runCli(args, { cwd, env: env() }), 2, /out\/c\.txt exists with other content \(use --overwrite to replace it\) \[ALREADY_EXISTS\]/);
    expect(await readFile(join(cwd, 'out', 'c.txt'), 'utf8')).toBe('mine');
    expect(await readdir(join(cwd, 'out'))).toEqual(['c.txt']);
  });

  it.each(commands)('%s: a folder where the last file goes is found before the first file is written (exit 2, zero files)', async (_, args) => {
    await signedArtifact();
    await mkdir(join(cwd, 'out', 'c.txt'));
    expectOneLine(await runCli(args, { cwd, env: env() }), 2, /out\/c\.txt is a folder \[OUTPUT_CONFLICT\]/);
    expect(await readdir(join(cwd, 'out'))).toEqual(['c.txt']);
    expect(await readdir(join(cwd, 'out', 'c.txt'))).toEqual([]);
  });
});

describe('push DIR / pull: a folder travels as one tar+gzip layer (oras spelling)', () => {
  it('round-trips a folder through the real registry, and says what it did', async () => {
    await mkdir(join(cwd, 'shapes', 'parks'), { recursive: true });
    await writeFile(join(cwd, 'shapes', 'parks', 'parks.shp'), 'shp');
    await writeFile(join(cwd, 'shapes', 'parks', 'parks.dbf'), 'dbf');
    const ref = `${registries.anonymous.host}/${uniqueRepository()}:v1`;
    const pushed = await runCli(['push', ref, 'shapes/parks', 'notes.txt', '--json'], { cwd });
    expect(pushed.code).toBe(0);
    expect(JSON.parse(pushed.stdout).files).toMatchObject([{ title: 'shapes/parks', mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }, { title: 'notes.txt' }]);
    const pulled = await runCli(['pull', ref, '-o', 'out'], { cwd });
    expect(pulled.code).toBe(0);
    expect(pulled.stdout).toMatch(/shapes\/parks\/ {2}\(folder, unpacked\)/);
    expect(await readdir(join(cwd, 'out', 'shapes', 'parks'))).toEqual(['parks.dbf', 'parks.shp']);
    expect(await readdir(join(cwd, 'out'))).toEqual(['notes.txt', 'shapes']);
  });
});

describe('a registry that refuses', () => {
  it('a delete the registry does not allow (405) is its answer: exit 3, UNSUPPORTED, not a usage error', async () => {
    const registry = await startRegistryProcess({ kind: 'none' }, { deleteEnabled: false });
    try {
      const ref = `${registry.host}/${uniqueRepository()}:v1`;
      expect((await runCli(['push', ref, 'notes.txt'], { cwd })).code).toBe(0);
      expectOneLine(await runCli(['manifest', 'delete', ref, '--force'], { cwd }), 3, /\[UNSUPPORTED\]/);
      expect((await runCli(['resolve', ref], { cwd })).code).toBe(0);
    } finally {
      await registry.stop();
    }
  });
});

describe('hostile input is a typed refusal: one line, exit 2, never a crash', () => {
  const policyHead = 'apiVersion: sealpack.dev/policy/v1\nkind: Policy\nmetadata: { name: p }\n';

  it('a policy with a YAML alias bomb', async () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
      ),
    ];
    await writeFile(join(cwd, 'bomb.yaml'), `${policyHead}${bomb.join('\n')}\nrules:\n  - { id: s, type: signatures }\n`);
    expect((await runCli(['push', 'ocidir://lay:v1', 'notes.txt'], { cwd })).code).toBe(0);
    expectOneLine(await runCli(['policy', 'check', 'ocidir://lay:v1', '--policy', 'bomb.yaml', '--key', 'none.pub'], { cwd }), 2, /bomb\.yaml.*alias.*\[INVALID_POLICY\]/i);
  });

  it('a sensitivity label named like an Object.prototype member', async () => {
    await writeFile(join(cwd, 'dest.yaml'), `${policyHead}rules:\n  - { id: s, type: signatures }\ndestinations:\n  public: ['**']\n`);
    for (const label of ['constructor', '__proto__', 'toString']) {
      const result = await runCli(['publish', 'notes.txt', '--to', 'ocidir://out:v1', '-a', `dev.sealpack.sensitivity=${label}`, '--policy', 'dest.yaml', '--key', 'missing.key'], { cwd });
      expectOneLine(result, 2, new RegExp(`dev\\.sealpack\\.sensitivity=${label} is not a sensitivity level of policy p .*\\[INVALID_LABEL\\]`));
    }
    expect(await readdir(cwd)).not.toContain('out');
  });

  it('a STAC record nested 5,000 deep', async () => {
    const deep = `{"type":"Feature","stac_version":"1.1.0","id":"x","geometry":null,"links":[],"assets":{},"properties":{"datetime":"2026-01-01T00:00:00Z","deep":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
    await writeFile(join(cwd, 'deep.stac.json'), deep);
    expect((await runCli(['push', 'ocidir://lay:v1', 'notes.txt'], { cwd })).code).toBe(0);
    expectOneLine(
      await runCli(['catalog', 'patch', 'ocidir://lay:v1', '--stac', 'deep.stac.json', '--out', 'patched', '--publish-as', 'registry.example/data/x'], { cwd }),
      2,
      /deep\.stac\.json nests deeper than 128 levels.*\[RECORD_TOO_DEEP\]/,
    );
    expectOneLine(
      await runCli(['publish', 'notes.txt', '--to', 'ocidir://pub:v1', '--stac', 'deep.stac.json', '--key', 'missing.key'], { cwd }),
      2,
      /deep\.stac\.json is not a valid STAC 1\.1 record: \$: nests deeper than 128 levels/,
    );
    const validated = await runCli(['catalog', 'validate', 'deep.stac.json'], { cwd });
    expect(validated.code).toBe(1);
    expect(validated.stdout).toMatch(/nests deeper than 128 levels/);
    expect(await readdir(cwd)).not.toContain('pub');
  });
});

describe('strings from an artifact reach the terminal inert', () => {
  it('an annotation with escape sequences is shown escaped in the decision table and in manifest get --pretty', async () => {
    const hostile = 'MIT\u001b]0;pwned\u0007\u001b[2J';
    expect((await runCli(['push', 'ocidir://lay:v1', 'notes.txt', '-a', `org.opencontainers.image.licenses=${hostile}`], { cwd })).code).toBe(0);
    await writeFile(join(cwd, 'p.yaml'), 'apiVersion: sealpack.dev/policy/v1\nkind: Policy\nmetadata: { name: p }\nrules:\n  - { id: license, type: license, allow: [MIT] }\n');
    await runCli(['generate-key-pair'], { cwd, env: { COSIGN_PASSWORD: 'x' } });
    const checked = await runCli(['policy', 'check', 'ocidir://lay:v1', '--policy', 'p.yaml', '--key', 'cosign.pub'], { cwd });
    expect(checked.code).toBe(1);
    expect(checked.stdout).toContain('MIT\\x1b]0;pwned\\x07\\x1b[2J');
    expect([checked.stdout.includes('\u001b'), checked.stdout.includes('\u0007')]).toEqual([false, false]);
    const pretty = await runCli(['manifest', 'get', 'ocidir://lay:v1', '--pretty'], { cwd });
    expect(pretty.code).toBe(0);
    expect([pretty.stdout.includes('\u001b'), pretty.stdout.includes('\u0007')]).toEqual([false, false]);
  });
});

describe('publish checks the services a signature needs before it writes anything', () => {
  it('a transparency log that cannot be reached: exit 3, one line, nothing pushed', async () => {
    expect((await runCli(['generate-key-pair'], { cwd, env: { COSIGN_PASSWORD: 'x' } })).code).toBe(0);
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
    const { port } = probe.address() as AddressInfo;
    await new Promise((done) => probe.close(done));
    const result = await runCli(['publish', 'notes.txt', '--to', 'ocidir://out:v1', '--key', 'cosign.key', '--rekor-url', `http://127.0.0.1:${port}`], { cwd, env: { COSIGN_PASSWORD: 'x' } });
    expectOneLine(result, 3, /http:\/\/127\.0\.0\.1:\d+ cannot be reached \(ECONNREFUSED\); nothing was written\. Sign without a transparency log with --tlog-upload=false.*\[SERVICE_UNREACHABLE\]/);
    expect(await readdir(cwd)).not.toContain('out');
  });
});

describe('verify says what to change', () => {
  it('a signature made without a transparency log, --env without --policy, --overwrite without --pull', async () => {
    const env = { COSIGN_PASSWORD: 'x' };
    expect((await runCli(['generate-key-pair'], { cwd, env })).code).toBe(0);
    expect((await runCli(['push', 'ocidir://lay:v1', 'notes.txt'], { cwd })).code).toBe(0);
    expect((await runCli(['sign', 'ocidir://lay:v1', '--key', 'cosign.key', '--tlog-upload=false'], { cwd, env })).code).toBe(0);
    const verify = ['verify', 'ocidir://lay:v1', '--key', 'cosign.pub'];
    const noLog = await runCli(verify, { cwd });
    expect(noLog.code).toBe(1);
    expect(noLog.stderr).toMatch(/if it was signed without a transparency log \(--tlog-upload=false\), verify with --insecure-ignore-tlog \[NO_SIGNATURES\]/);
    expect((await runCli([...verify, '--insecure-ignore-tlog'], { cwd })).code).toBe(0);
    expectOneLine(await runCli([...verify, '--insecure-ignore-tlog', '--env', 'prod'], { cwd }), 2, /--env names an environment of a policy: give --policy FILE too/);
    expectOneLine(await runCli([...verify, '--insecure-ignore-tlog', '--overwrite'], { cwd }), 2, /--overwrite replaces files that --pull writes/);
    await mkdir(join(cwd, 'got'));
    await writeFile(join(cwd, 'got', 'notes.txt'), 'other\n');
    expectOneLine(await runCli([...verify, '--insecure-ignore-tlog', '--pull', 'got'], { cwd }), 2, /--overwrite/);
    expect((await runCli([...verify, '--insecure-ignore-tlog', '--pull', 'got', '--overwrite'], { cwd })).code).toBe(0);
    expect(await readFile(join(cwd, 'got', 'notes.txt'), 'utf8')).toBe('hello\n');
  });
});
