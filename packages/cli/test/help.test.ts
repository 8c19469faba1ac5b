import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import { renderCliReference } from '../src/cli-reference.ts';
import { completionScript } from '../src/commands/completion.ts';
import { GLOBAL_OPTIONS } from '../src/global-options.ts';
import { COMMANDS } from '../src/main.ts';
import { runCli } from './run-cli.ts';

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'sealpack-help-'));
  await writeFile(join(cwd, 'notes.txt'), 'hello\n');
});

describe('help', () => {
  it('every option of every command, and every global one, says what it does', () => {
    for (const specs of [GLOBAL_OPTIONS, ...COMMANDS.map((c) => c.options)]) {
      for (const [name, spec] of Object.entries(specs)) expect(spec.description.trim().length, `--${name}`).toBeGreaterThan(10);
    }
  });

  it('sealpack help COMMAND is COMMAND --help, with descriptions and defaults', async () => {
    const viaHelp = await runCli(['help', 'pull'], { cwd });
    const viaFlag = await runCli(['pull', '--help'], { cwd });
    expect(viaHelp).toEqual(viaFlag);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toMatch(/-o, --output DIR +directory to write the files into \(default: \.\)/);
    expect(viaHelp.stdout).toMatch(/--concurrency N +files fetched at once \(default: 4\)/);
    expect(viaHelp.stdout).toMatch(/Global options:\n(.*\n)*.*--ca-file FILE/);
    expect((await runCli(['help', 'manifest', 'get'], { cwd })).stdout).toMatch(/^usage: sealpack manifest get REF/);
    expect(await runCli(['help', 'nonsense'], { cwd })).toMatchObject({ code: 2, stderr: expect.stringMatching(/no command 'nonsense'/) });
  });

  it('a command group lists its subcommands; a wrong subcommand is a usage error that lists them', async () => {
    const group = await runCli(['manifest'], { cwd });
    expect(group.code).toBe(0);
    expect(group.stdout).toMatch(/manifest get +print the raw manifest/);
    expect(group.stdout).toMatch(/manifest delete +delete a manifest/);
    expect((await runCli(['help', 'manifest'], { cwd })).stdout).toBe(group.stdout);
    const wrong = await runCli(['manifest', 'put', 'x'], { cwd });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/unknown subcommand 'manifest put'\n(.*\n)*\s+manifest get/);
  });

  it.each([
    [['pull', 'ocidir://x:v1', '-o', '-weird'], /option --output needs a value; to give one that starts with '-', write --output=-VALUE/],
    [['pull', 'ocidir://x:v1', '-o'], /option --output needs a value/],
    [['push', 'ocidir://x:v1', 'notes.txt', '--json=yes'], /option --json takes no value/],
    [['push', 'ocidir://x:v1', '--bogus'], /unknown option '--bogus'/],
  ])('says what is wrong with %j in its own words, not parseArgs internals', async (args, message) => {
    const result = await runCli(args, { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/ambiguous|Did you forget|To specify|<value>/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('completion', () => {
  it('bash: a valid script whose function completes commands, subcommands and each command’s flags', async () => {
    const result = await runCli(['completion', 'bash'], { cwd });
    expect(result.code).toBe(0);
    const script = join(cwd, 'sealpack.bash');
    await writeFile(script, result.stdout);
    const complete = async (...words: string[]) => {
      const probe = `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _sealpack; printf '%s\\n' "\${COMPREPLY[@]}"`;
      return (await promisify(execFile)('bash', ['-c', probe])).stdout.trim().split('\n');
    };
    expect(await complete('sealpack', 'co')).toEqual(['completion', 'conformance', 'copy']);
    expect(await complete('sealpack', 'manifest', '')).toEqual(['get', 'delete']);
    expect(await complete('sealpack', 'copy', 'a', 'b', '--to-p')).toEqual(['--to-password-stdin', '--to-password-file', '--to-plain-http']);
    expect(await complete('sealpack', 'manifest', 'delete', 'x', '--fo')).toEqual(['--force']);
    expect(await complete('sealpack', 'push', 'x', '--ca')).toEqual(['--ca-file']);
  });

  it('zsh and fish scripts name every command and option; an unknown shell is a usage error', async () => {
    for (const shell of ['zsh', 'fish'] as const) {
      const script = completionScript(shell, COMMANDS);
      for (const command of COMMANDS) for (const name of Object.keys(command.options)) expect(script, `${shell}: ${command.path.join(' ')} --${name}`).toContain(name);
    }
    expect((await runCli(['completion', 'zsh'], { cwd })).stdout).toMatch(/^#compdef sealpack\n/);
    expect(await runCli(['completion', 'tcsh'], { cwd })).toMatchObject({ code: 2, stderr: expect.stringMatching(/no completion for 'tcsh': bash, zsh or fish/) });
  });
});

describe('identity patterns', () => {
  it('--certificate-identity-regexp says it is unanchored, as in cosign, and shows an anchored pattern', async () => {
    const help = await runCli(['verify', '--help'], { cwd });
    expect(help.stdout).toMatch(/--certificate-identity-regexp RE +keyless: .*unanchored/);
    expect(help.stdout).toContain("'^https://github\\.com/org/'");
  });
});

describe('docs/cli.md', () => {
  it('is the reference the command table renders (run ./run pnpm docs after changing a command)', async () => {
    const committed = await readFile(fileURLToPath(new URL('../../../docs/cli.md', import.meta.url)), 'utf8');
    expect(committed).toBe(renderCliReference(COMMANDS));
  });
});

describe('--quiet and --json', () => {
  it('--quiet leaves only the pinned reference on stdout and nothing on stderr', async () => {
    const pushed = await runCli(['push', 'ocidir://lay:v1', 'notes.txt', '-q'], { cwd });
    expect(pushed.stderr).toBe('');
    expect(pushed.stdout).toMatch(/^ocidir:\/\/.*lay@sha256:[a-f0-9]{64}\n$/);
    const pinned = pushed.stdout.trim();
    for (const args of [
      ['pull', 'ocidir://lay:v1', '-o', 'out', '-q'],
      ['copy', 'ocidir://lay:v1', 'ocidir://lay2', '-q'],
      ['tag', 'ocidir://lay:v1', 'v2', '-q'],
      ['backup', 'ocidir://lay:v1', '-o', 'saved', '-q'],
    ]) {
      const result = await runCli(args, { cwd });
      expect(result.stderr, args.join(' ')).toBe('');
      expect(result.stdout.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stdout, args.join(' ')).toMatch(/@sha256:[a-f0-9]{64}\n$/);
    }
    expect((await runCli(['resolve', 'ocidir://lay:v1', '-q'], { cwd })).stdout.trim()).toBe(pinned.slice(pinned.indexOf('@') + 1));
  });

  it('every --json result names its reference and digest', async () => {
    const json = async (...args: string[]) => {
      const result = await runCli([...args, '--json'], { cwd });
      expect(result.code, args.join(' ')).toBe(0);
      return JSON.parse(result.stdout) as { reference?: string; digest?: string };
    };
    const pushed = await json('push', 'ocidir://lay:v1', 'notes.txt');
    const digest = pushed.digest as string;
    const results = [
      pushed,
      await json('attach', 'ocidir://lay:v1', 'notes.txt', '--artifact-type', 'application/vnd.example.note'),
      await json('resolve', 'ocidir://lay:v1'),
      await json('pull', 'ocidir://lay:v1', '-o', 'out'),
      await json('tag', 'ocidir://lay:v1', 'v2'),
      await json('manifest', 'get', 'ocidir://lay:v1'),
      await json('discover', 'ocidir://lay:v1'),
      await json('copy', 'ocidir://lay:v1', 'ocidir://lay2'),
      await json('backup', 'ocidir://lay:v1', '-o', 'saved'),
      await json('restore', 'saved', 'ocidir://lay3'),
    ];
    for (const result of results) {
      expect(result.reference).toMatch(/^ocidir:\/\/.*@sha256:[a-f0-9]{64}$/);
      expect(result.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    }
    expect(results.filter((r) => r.digest === digest)).toHaveLength(results.length - 1);
  });
});
