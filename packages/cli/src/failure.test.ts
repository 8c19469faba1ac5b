import { describe, expect, it } from 'vitest';
import { describeFailure, systemErrorMessage } from './failure.ts';

class OtherPackageError extends Error {
  readonly code = 'POLICY_DENIED';
  readonly kind = 'verification';
}

describe('describeFailure: the exit status follows the error kind, whatever package threw it', () => {
  it.each([
    ['input', 2],
    ['verification', 1],
    ['transport', 3],
    ['internal', 4],
  ] as const)('kind %s exits %i', (kind, exitCode) => {
    const error = Object.assign(new Error('said'), { code: 'SOME_CODE', kind });
    expect(describeFailure(error)).toMatchObject({ code: 'SOME_CODE', message: 'said', exitCode, internal: kind === 'internal' });
  });

  it('reads the convention by shape, not class', () => {
    expect(describeFailure(new OtherPackageError('denied by rule r1\nsecond line'))).toEqual({ code: 'POLICY_DENIED', message: 'denied by rule r1', exitCode: 1, internal: false });
  });

  it('a programming error is internal (exit 4) and asks for a report, never "the registry failed"', () => {
    const failure = describeFailure(new TypeError("Cannot read properties of undefined (reading 'digest')"));
    expect(failure).toMatchObject({ code: 'INTERNAL', exitCode: 4, internal: true });
    expect(failure.message).toMatch(/^internal error \(TypeError: Cannot read properties .*\); this is a bug: please report it with the output of --debug$/);
    // An unknown kind is no excuse to guess: also internal.
    expect(describeFailure(Object.assign(new Error('x'), { code: 'X', kind: 'weird' })).exitCode).toBe(4);
  });

  it("a failed system call is one plain line, exit 3, without Node's raw text", () => {
    const error = Object.assign(new Error("ENOSPC: no space left on device, write '/out/x'"), { code: 'ENOSPC', syscall: 'write', path: '/out/x' });
    expect(describeFailure(error)).toEqual({ code: 'ENOSPC', message: 'cannot write /out/x: no space left on the device', exitCode: 3, internal: false });
    expect(systemErrorMessage(Object.assign(new Error(''), { code: 'ENOTDIR', syscall: 'mkdir', path: 'a/b' }))).toBe('cannot create the directory a/b: a part of the path is not a directory');
    expect(systemErrorMessage(Object.assign(new Error(''), { code: 'EWEIRD', syscall: 'ioctl' }))).toBe('cannot ioctl: EWEIRD');
    expect(systemErrorMessage(new Error('no errno'))).toBeUndefined();
  });
});
