import { createHash, randomBytes } from 'node:crypto';
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { startFaultProxy, TEST_PASSWORD, TEST_USER, uniqueRepository } from '@sealpack/test-registry';
import { runCli } from './run-cli.ts';

const registries = inject('registries');
const sha = (text: string | Buffer) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'sealpack-cli-'));
  await writeFile(join(cwd, 'parks.geojson'), '{"type":"FeatureCollection","features":[]}');
  await writeFile(join(cwd, 'notes.txt'), 'hello\n');
});

describe('sealpack push / resolve / pull / tag / tags (oras spelling, real registry)', () => {
  it('round-trips files with --json output, digest-pinned references and verified bytes', async () => {
    const ref = `${registries.anonymous.host}/${uniqueRepository()}`;
    const pushed = await runCli(
      ['push', `${ref}:v1`, 'parks.geojson', 'notes.txt:text/x-notes', '--artifact-type', 'application/vnd.example.v1', '-a', 'org.opencontainers.image.licenses=CC0-1.0', '--json'],
      { cwd },
    );
    expect(pushed.code).toBe(0);
    const result = JSON.parse(pushed.stdout) as { digest: string; reference: string; files: Array<{ title: string; mediaType: string }> };
    expect(result.reference).toBe(`oci://${ref}@${result.digest}`);
    expect(result.files.map((f) => f.mediaType)).toEqual(['application/geo+json', 'text/x-notes']);

    const resolved = await runCli(['resolve', `oci://${ref}:v1`], { cwd });
    expect(resolved).toMatchObject({ code: 0, stdout: `${result.digest}\n` });

    const tagged = await runCli(['tag', `${ref}:v1`, 'stable', 'prod'], { cwd });
    expect(tagged.code).toBe(0);
    expect((await runCli(['tags', ref], { cwd })).stdout).toBe('prod\nstable\nv1\n');
    expect(JSON.parse((await runCli(['tags', ref, '--json'], { cwd })).stdout)).toMatchObject({ tags: ['prod', 'stable', 'v1'] });

    const pulled = await runCli(['pull', `${ref}@${result.digest}`, '-o', 'out', '--concurrency', '1'], { cwd });
    expect(pulled.code).toBe(0);
    expect(await readFile(join(cwd, 'out', 'notes.txt'), 'utf8')).toBe('hello\n');
    expect(pulled.stdout).toContain(`Pulled oci://${ref}@${result.digest}`);

    // The same artifact again: every file is already there, so none is fetched or rewritten.
    const again = await runCli(['pull', `${ref}:v1`, '-o', 'out', '--json'], { cwd });
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as { files: Array<{ kept: boolean }> }).files.map((f) => f.kept)).toEqual([true, true]);
    await writeFile(join(cwd, 'out', 'notes.txt'), 'edited\n');
    const edited = await runCli(['pull', `${ref}:v1`, '-o', 'out'], { cwd });
    expect(edited.code).toBe(2);
    expect(edited.stderr).toMatch(/exists with other content \(use --overwrite/);
    const restored = await runCli(['pull', `${ref}:v1`, '-o', 'out', '--overwrite', '--no-digest-cache'], { cwd });
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/parks\.geojson {2}\(already there\)/);
    expect(restored.stdout).not.toMatch(/notes\.txt {2}\(already there\)/);
    expect(await readFile(join(cwd, 'out', 'notes.txt'), 'utf8')).toBe('hello\n');
  });

  it('manifest get prints the exact bytes the digest covers; blob get verifies into a file', async () => {
    const ref = `${registries.anonymous.host}/${uniqueRepository()}`;
    const { digest } = JSON.parse((await runCli(['push', `${ref}:v1`, 'notes.txt', '--json'], { cwd })).stdout) as { digest: string };
    const manifest = await runCli(['manifest', 'get', `${ref}:v1`], { cwd });
    expect(sha(manifest.stdout)).toBe(digest);
    const layerDigest = (JSON.parse(manifest.stdout) as { layers: Array<{ digest: string }> }).layers[0]!.digest;
    const blob = await runCli(['blob', 'get', `${ref}@${layerDigest}`, '-o', 'copy.txt'], { cwd });
    expect(blob.code).toBe(0);
    expect(await readFile(join(cwd, 'copy.txt'), 'utf8')).toBe('hello\n');
    const toStdout = await runCli(['blob', 'get', `${ref}@${layerDigest}`, '-o', '-'], { cwd });
    expect(toStdout.stdout).toBe('hello\n');
    const descriptor = JSON.parse((await runCli(['manifest', 'get', `${ref}:v1`, '--descriptor'], { cwd })).stdout) as { digest: string };
    expect(descriptor.digest).toBe(digest);
  });

  it('manifest delete needs --force without a terminal, then deletes by the digest the tag named', async () => {
    const ref = `${registries.anonymous.host}/${uniqueRepository()}`;
    await runCli(['push', `${ref}:v1`, 'notes.txt'], { cwd });
    const refused = await runCli(['manifest', 'delete', `${ref}:v1`], { cwd });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--force/);
    // On a terminal it asks; Ctrl-C at the question (a keystroke in raw mode) is an interrupt, not an error.
    const interrupted = await runCli(['manifest', 'delete', `${ref}:v1`], { cwd, tty: true, stdinTty: true, stdin: '\u0003' });
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toMatch(/Delete oci:.*\? \[y\/N\] [\s\S]*sealpack manifest delete: interrupted \(SIGINT\)\n$/);
    const declined = await runCli(['manifest', 'delete', `${ref}:v1`], { cwd, tty: true, stdinTty: true, stdin: 'n\n' });
    expect(declined.code).toBe(0);
    expect(declined.stderr).toMatch(/Not deleted/);
    expect((await runCli(['manifest', 'delete', `${ref}:v1`, '--force'], { cwd })).code).toBe(0);
    const gone = await runCli(['resolve', `${ref}:v1`], { cwd });
    expect(gone.code).toBe(3);
    expect(gone.stderr).toMatch(/NOT_FOUND/);
  });

  it('push --subject makes a referrer that discover shows as a tree, table and JSON', async () => {
    const ref = `${registries.anonymous.host}/${uniqueRepository()}`;
    const layout = `ocidir://${join(cwd, 'lay')}`;
    for (const base of [ref, layout]) {
      const { digest } = JSON.parse((await runCli(['push', `${base}:v1`, 'parks.geojson', '--json'], { cwd })).stdout) as { digest: string };
      const sig = JSON.parse((await runCli(['push', `${base}:sig`, 'notes.txt', '--artifact-type', 'application/vnd.example.sig', '--subject', `${base}@${digest}`, '--json'], { cwd })).stdout) as {
        digest: string;
      };
      const tree = await runCli(['discover', `${base}:v1`], { cwd });
      expect(tree.stdout).toContain('└── application/vnd.example.sig');
      expect(tree.stdout).toContain(sig.digest);
      const table = await runCli(['discover', `${base}:v1`, '--format', 'table'], { cwd });
      expect(table.stdout.split('\n')[0]).toMatch(/^LEVEL\s+ARTIFACT TYPE\s+DIGEST\s+SIZE$/);
      const json = JSON.parse((await runCli(['discover', `${base}:v1`, '--json'], { cwd })).stdout) as { digest: string; referrers: Array<{ digest: string }> };
      expect(json.digest).toBe(digest);
      expect(json.referrers.map((r) => r.digest)).toEqual([sig.digest]);
    }
    expect((await runCli(['discover', `${ref}:missing`], { cwd })).code).toBe(3);
  });
});

describe('the file-digest cache', () => {
  // The package's own manifest: a file changed long before the test, as a cache requires.
  const settled = fileURLToPath(new URL('../package.json', import.meta.url));

  it('push remembers what it hashed under SEALPACK_CACHE_DIR; --no-digest-cache leaves no trace', async () => {
    const withCache = { HOME: cwd, SEALPACK_CACHE_DIR: join(cwd, 'cache') };
    expect((await runCli(['push', `ocidir://${join(cwd, 'layout')}:v1`, settled, '--quiet'], { cwd, env: withCache })).code).toBe(0);
    const saved = JSON.parse(await readFile(join(cwd, 'cache', 'file-digests.json'), 'utf8')) as { entries: Record<string, { digest: string }> };
    expect(saved.entries[settled]?.digest).toBe(sha(await readFile(settled)));

    const without = { HOME: cwd, SEALPACK_CACHE_DIR: join(cwd, 'no-cache') };
    expect((await runCli(['push', `ocidir://${join(cwd, 'layout')}:v2`, settled, '--quiet', '--no-digest-cache'], { cwd, env: without })).code).toBe(0);
    await expect(readFile(join(cwd, 'no-cache', 'file-digests.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('file titles, as oras names them', () => {
  it('keeps the directories of a relative path, so files of one name in two folders both travel and land where they were', async () => {
    await mkdir(join(cwd, 'tiles', '2025'), { recursive: true });
    await mkdir(join(cwd, 'tiles', '2026'), { recursive: true });
    await writeFile(join(cwd, 'tiles', '2025', 'parks.pmtiles'), 'tiles of 2025');
    await writeFile(join(cwd, 'tiles', '2026', 'parks.pmtiles'), 'tiles of 2026');
    const ref = `ocidir://${join(cwd, 'lay')}:v1`;
    const pushed = await runCli(['push', ref, './tiles/2025/parks.pmtiles', 'tiles/2026//parks.pmtiles', join(cwd, 'notes.txt'), '--json'], { cwd });
    expect(pushed.code).toBe(0);
    expect((JSON.parse(pushed.stdout) as { files: Array<{ title: string }> }).files.map((f) => f.title)).toEqual(['tiles/2025/parks.pmtiles', 'tiles/2026/parks.pmtiles', 'notes.txt']);
    expect((await runCli(['pull', ref, '-o', 'out'], { cwd })).code).toBe(0);
    expect(await readFile(join(cwd, 'out', 'tiles', '2026', 'parks.pmtiles'), 'utf8')).toBe('tiles of 2026');
    expect(await readFile(join(cwd, 'out', 'notes.txt'), 'utf8')).toBe('hello\n');
  });

  it('names a file outside the working directory by its file name alone', async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'sealpack-elsewhere-'));
    await writeFile(join(elsewhere, 'far.txt'), 'far');
    const relative = join('..', basename(elsewhere), 'far.txt');
    const pushed = await runCli(['push', `ocidir://${join(cwd, 'lay')}:v1`, relative, '--json'], { cwd });
    expect((JSON.parse(pushed.stdout) as { files: Array<{ title: string }> }).files.map((f) => f.title)).toEqual(['far.txt']);
  });
});

describe('errors: one line, the documented exit code, no stack trace unless --debug', () => {
  it.each<[string[], number, RegExp]>([
    [['push', 'UPPER/Case:v1', 'notes.txt'], 2, /invalid reference/],
    [['push', 'ocidir://lay:v1', 'missing.txt'], 2, /no such file/],
    [['push', 'ocidir://lay:v1'], 2, /at least one FILE/],
    [['push', 'ocidir://lay:v1', 'notes.txt', '--bogus'], 2, /unknown option '--bogus'/],
    [['push', 'ocidir://lay:v1', 'notes.txt', '-a', 'novalue'], 2, /KEY=VALUE/],
    [['resolve'], 2, /missing REF/],
    [['resolve', 'ocidir://nowhere:v1'], 3, /not an OCI image layout/],
    [['frobnicate'], 2, /unknown command/],
    [['tag', 'ocidir://lay:v1', 'bad tag'], 2, /not a valid tag/],
    [['blob', 'get', 'ocidir://lay:v1', '-o', 'x'], 2, /REF@DIGEST/],
    [['discover', 'ocidir://lay:v1', '--depth', 'zero'], 2, /^sealpack discover: --depth 'zero': .*expected number/i],
    [['push', 'ocidir://lay:v1', 'notes.txt', '--concurrency', '0'], 2, /--concurrency '0': /],
    [['pull', 'ocidir://lay:v1', '--concurrency', 'many'], 2, /--concurrency 'many': /],
    [['pull', 'ocidir://lay:v1', 'somewhere'], 2, /unexpected argument 'somewhere' \(usage: sealpack pull REF \[-o DIR\]/],
    [['copy', 'ocidir://lay:v1', 'ocidir://b:v1', 'ocidir://c:v1'], 2, /unexpected argument 'ocidir:\/\/c:v1'/],
    [['resolve', 'ocidir://lay:v1', 'ocidir://lay:v2'], 2, /unexpected argument/],
  ])('sealpack %j exits %i', async (args, code, message) => {
    const result = await runCli(args, { cwd });
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('an output directory that cannot be one is a usage error in one line, and nothing is written', async () => {
    expect((await runCli(['push', 'ocidir://lay:v1', 'notes.txt'], { cwd })).code).toBe(0);
    const below = await runCli(['pull', 'ocidir://lay:v1', '-o', 'notes.txt/out'], { cwd });
    expect(below.code).toBe(2);
    expect(below.stderr).toMatch(/^sealpack pull: cannot pull into .*notes\.txt\/out: a part of its path is a file \[INVALID_INPUT\]\n$/);
    const file = await runCli(['pull', 'ocidir://lay:v1', '-o', 'notes.txt'], { cwd });
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/^sealpack pull: cannot pull into .*notes\.txt: it exists and is not a directory \[INVALID_INPUT\]\n$/);
    expect(await readFile(join(cwd, 'notes.txt'), 'utf8')).toBe('hello\n');
  });

  it('exit 3 for a registry that is down; --debug adds the stack', async () => {
    const down = await runCli(['resolve', '127.0.0.1:9/x/y:v1'], { cwd });
    expect(down.code).toBe(3);
    const debug = await runCli(['resolve', '127.0.0.1:9/x/y:v1', '--debug'], { cwd });
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it('--help and --version answer on stdout with exit 0; no arguments is a usage error', async () => {
    expect(await runCli(['--help'], { cwd })).toMatchObject({ code: 0, stdout: expect.stringMatching(/usage: sealpack COMMAND/) });
    expect(await runCli(['push', '--help'], { cwd })).toMatchObject({ code: 0, stdout: expect.stringMatching(/usage: sealpack push REF/) });
    expect(await runCli(['--version'], { cwd })).toMatchObject({ code: 0, stdout: expect.stringMatching(/^sealpack \S+\n$/) });
    expect((await runCli([], { cwd })).code).toBe(2);
  });

  it('shows progress only on a terminal, and never with --json', async () => {
    const tty = await runCli(['push', `ocidir://${join(cwd, 'lay')}:p`, 'parks.geojson'], { cwd, tty: true });
    expect(tty.stderr).toMatch(/push 100%/);
    const json = await runCli(['push', `ocidir://${join(cwd, 'lay')}:p`, 'parks.geojson', '--json'], { cwd, tty: true });
    expect(json.stderr).toBe('');
    const pipe = await runCli(['push', `ocidir://${join(cwd, 'lay')}:p`, 'parks.geojson'], { cwd });
    expect(pipe.stderr).not.toMatch(/%/);
    // A copy does not know its total up front: bytes and rate, no percentage; cleared at the end.
    const copy = await runCli(['copy', `ocidir://${join(cwd, 'lay')}:p`, `ocidir://${join(cwd, 'lay2')}:p`], { cwd, tty: true });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's escape sequences are what is checked
    expect(copy.stderr).toMatch(/\r\x1b\[2Kcopy 0\.0 MiB [\d.]+ MiB\/s\r\x1b\[2K/);
  });

  it('a transfer that fails part way clears its progress line before the error', async () => {
    await writeFile(join(cwd, 'big.bin'), randomBytes(4 * 1024 * 1024));
    const pushed = JSON.parse((await runCli(['push', `ocidir://${join(cwd, 'lay')}:p`, 'big.bin', '--json'], { cwd })).stdout) as { files: Array<{ digest: string }> };
    const blob = join(cwd, 'lay', 'blobs', 'sha256', pushed.files[0]!.digest.slice('sha256:'.length));
    await chmod(blob, 0o644);
    await writeFile(blob, randomBytes(4 * 1024 * 1024));
    const failed = await runCli(['pull', `ocidir://${join(cwd, 'lay')}:p`, '-o', 'out'], { cwd, tty: true });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/pull \d+%/);
    // What the terminal shows last: the line after the final clear is the error alone.
    expect(failed.stderr.split('\r\x1b[2K').at(-1)).toMatch(/^sealpack pull: content digest .* does not match/);
  });
});

describe('credentials: login, logout, --password-stdin, environment', () => {
  it('login checks the password, stores it, and later commands use it; logout removes it', async () => {
    const host = registries.basic.host;
    const ref = `${host}/${uniqueRepository()}`;
    const wrong = await runCli(['login', host, '-u', TEST_USER, '--password-stdin'], { cwd, stdin: 'not-the-password\n' });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).not.toContain('not-the-password');
    const ok = await runCli(['login', host, '-u', TEST_USER, '--password-stdin'], { cwd, stdin: `${TEST_PASSWORD}\n` });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/Login Succeeded/);
    const config = JSON.parse(await readFile(join(cwd, '.docker', 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    expect(Buffer.from(config.auths[host]!.auth, 'base64').toString()).toBe(`${TEST_USER}:${TEST_PASSWORD}`);
    expect((await runCli(['push', `${ref}:v1`, 'notes.txt'], { cwd })).code).toBe(0);
    expect((await runCli(['logout', host], { cwd })).stdout).toMatch(/Removed/);
    const denied = await runCli(['resolve', `${ref}:v1`], { cwd });
    expect(denied.code).toBe(3);
    expect(denied.stderr).toMatch(/UNAUTHORIZED/);
  });

  it('takes -u with --password-stdin and SEALPACK_USERNAME/PASSWORD, never a password argument, and never echoes it', async () => {
    const ref = `${registries.token.host}/${uniqueRepository()}`;
    const flags = await runCli(['push', `${ref}:v1`, 'notes.txt', '-u', TEST_USER, '--password-stdin', '--debug'], { cwd, stdin: TEST_PASSWORD });
    expect(flags.code).toBe(0);
    expect(`${flags.stdout}${flags.stderr}`).not.toContain(TEST_PASSWORD);
    const env = { HOME: cwd, DOCKER_CONFIG: join(cwd, '.docker'), SEALPACK_USERNAME: TEST_USER, SEALPACK_PASSWORD: TEST_PASSWORD };
    const viaEnv = await runCli(['resolve', `${ref}:v1`, '--debug'], { cwd, env });
    expect(viaEnv.code).toBe(0);
    expect(`${viaEnv.stdout}${viaEnv.stderr}`).not.toContain(TEST_PASSWORD);
    expect((await runCli(['resolve', `${ref}:v1`, '-u', TEST_USER], { cwd })).code).toBe(2);
    expect((await runCli(['login', 'not a host'], { cwd })).code).toBe(2);
    // On a terminal login asks for the user name; Ctrl-C there is an interrupt.
    const asked = await runCli(['login', registries.basic.host], { cwd, tty: true, stdinTty: true, stdin: '\u0003' });
    expect(asked.code).toBe(130);
    expect(asked.stderr).toMatch(/Username: [\s\S]*sealpack login: interrupted \(SIGINT\)\n$/);
  });
});

describe('the built bin', () => {
  const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
  const run = promisify(execFile);

  it('prints its version and maps a user mistake to exit 2 with one line on stderr', async () => {
    expect((await run(process.execPath, [bin, '--version'])).stdout).toMatch(/^sealpack \d+\.\d+\.\d+\n$/);
    const failure = await run(process.execPath, [bin, 'resolve', 'NOT A REF'], { cwd }).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr.trim().split('\n')).toHaveLength(1);
  });

  it('on a Node older than its engines it says so in one line instead of failing to load', async () => {
    // What a Node 20 reports, set before the bin loads (npm installs despite "engines", only warning).
    const olderNode = "data:text/javascript,Object.defineProperty(process,'version',{value:'v20.20.2'});Object.defineProperty(process.versions,'node',{value:'20.20.2'})";
    const failure = await run(process.execPath, ['--import', olderNode, bin, 'resolve', 'ocidir://x:v1'], { cwd }).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 2, stderr: 'sealpack: needs Node.js 22.19 or newer; this is v20.20.2\n' });
  });

  it('a reader that closes the pipe early ends it quietly with the SIGPIPE status, as `| head -1` expects', async () => {
    const layout = `ocidir://${join(cwd, 'lay')}`;
    expect((await runCli(['push', `${layout}:v1`, 'notes.txt'], { cwd })).code).toBe(0);
    // Three times what a pipe buffers (64 KiB), so writes are still going when the reader leaves.
    const tags = Array.from({ length: 6000 }, (_, i) => `a-rather-long-release-tag-${String(i).padStart(5, '0')}`);
    expect((await runCli(['tag', `${layout}:v1`, ...tags], { cwd })).code).toBe(0);
    const child = spawn(process.execPath, [bin, 'tags', layout], { cwd });
    const stderr: Buffer[] = [];
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const first = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8'))));
    child.stdout.destroy();
    expect(first.startsWith('a-rather-long-release-tag-00000\n')).toBe(true);
    expect(await exited).toBe(141);
    expect(Buffer.concat(stderr).toString('utf8')).toBe('');
  });

  it('Ctrl-C in the middle of a pull stops it with status 130 and leaves nothing in the output directory', async () => {
    const proxy = await startFaultProxy(registries.anonymous.port);
    try {
      const ref = `${proxy.host}/${uniqueRepository()}:v1`;
      await writeFile(join(cwd, 'big.bin'), randomBytes(8 * 1024 * 1024));
      expect((await runCli(['push', ref, 'big.bin'], { cwd })).code).toBe(0);
      // The registry stops sending part way through the blob: the pull hangs mid-file until interrupted.
      proxy.stallAfter('downstream', 2 * 1024 * 1024);
      const outDir = join(cwd, 'out');
      const child = spawn(process.execPath, [bin, 'pull', ref, '-o', outDir], { cwd, env: { ...process.env, SEALPACK_CACHE_DIR: join(cwd, 'cache') } });
      const stderr: Buffer[] = [];
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // The file is fetched into a private staging folder inside the output directory.
      await waitFor(async () => (await readdir(outDir, { recursive: true }).catch(() => [])).some((name) => name.endsWith('.tmp')));
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(Buffer.concat(stderr).toString('utf8')).toBe(`sealpack pull: interrupted (SIGINT)\n`);
      expect(await readdir(outDir)).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
