import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIo } from './io.ts';
import { readSecret } from './read-secret.ts';

function terminal(): { io: CliIo; modes: boolean[]; typed: PassThrough; shown: () => string } {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, modes: [] as boolean[] });
  const modes: boolean[] = [];
  Object.assign(stdin, { setRawMode: (raw: boolean) => modes.push(raw) });
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  stderr.on('data', (c: Buffer) => out.push(c));
  return { io: { stdin, stdout: new PassThrough(), stderr, env: {}, cwd: '/' }, modes, typed: stdin, shown: () => Buffer.concat(out).toString() };
}

describe('readSecret', () => {
  it('reads a line in raw mode without echoing it, honouring backspace', async () => {
    const { io, modes, typed, shown } = terminal();
    const secret = readSecret(io, 'Password: ');
    typed.write('hunter\u007f2-x\r');
    expect(await secret).toBe('hunte2-x');
    expect(modes).toEqual([true, false]);
    expect(shown()).toBe('Password: \n');
  });

  it('is interrupted by Ctrl-C (exit 130 as for SIGINT), abandoned by Ctrl-D, and refused without a terminal', async () => {
    const { io, typed, modes } = terminal();
    const secret = readSecret(io, 'Password: ');
    typed.write('abc\u0003');
    await expect(secret).rejects.toMatchObject({ name: 'Interrupted', exitCode: 130 });
    expect(modes).toEqual([true, false]);
    const second = terminal();
    const ended = readSecret(second.io, 'Password: ');
    second.typed.write('abc\u0004');
    await expect(ended).rejects.toThrow(/abandoned/);
    await expect(readSecret({ ...io, stdin: new PassThrough() }, 'Password: ')).rejects.toThrow(/password-stdin/);
  });
});
