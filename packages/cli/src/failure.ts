import { EXIT, EXIT_FOR_KIND, type ErrorKind } from './exit-codes.ts';

/** What the user is told about a failed command: one line, a code to branch on, and the exit status. */
export interface Failure {
  code: string;
  message: string;
  exitCode: number;
  /** A bug, not the user's or the registry's doing: the message asks for a report with --debug. */
  internal: boolean;
}

interface TypedError {
  code: string;
  kind: ErrorKind;
  message: string;
}

/**
 * The convention of every `@sealpack/*` package: an Error with a string `code` and a `kind`. Checked
 * by shape, so the CLI maps any package's errors without importing its class (STYLE.md "Typed errors").
 */
export function asTypedError(error: unknown): TypedError | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, kind } = error as Error & { code?: unknown; kind?: unknown };
  return typeof code === 'string' && typeof kind === 'string' && kind in EXIT_FOR_KIND ? { code, kind: kind as ErrorKind, message: error.message } : undefined;
}

export function describeFailure(error: unknown): Failure {
  const typed = asTypedError(error);
  if (typed !== undefined) return { code: typed.code, message: firstLine(typed.message), exitCode: EXIT_FOR_KIND[typed.kind], internal: typed.kind === 'internal' };
  const system = systemErrorMessage(error);
  if (system !== undefined) return { code: (error as NodeJS.ErrnoException).code ?? 'IO', message: system, exitCode: EXIT.TRANSPORT, internal: false };
  // A TypeError, a RangeError, anything no package typed: sealpack's own fault, never "the registry failed".
  const message = error instanceof Error ? `${error.name}: ${firstLine(error.message)}` : String(error);
  return { code: 'INTERNAL', message: `internal error (${message}); this is a bug: please report it with the output of --debug`, exitCode: EXIT.INTERNAL, internal: true };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

const SYSCALL_VERBS: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  mkdir: 'create the directory',
  mkdtemp: 'create a temporary directory in',
  rename: 'move into place',
  unlink: 'remove',
  rmdir: 'remove',
  scandir: 'list',
  stat: 'read',
  lstat: 'read',
  copyfile: 'copy',
  fsync: 'write',
};

const ERRNO_REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'it already exists',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  EXDEV: 'it is on another file system',
  EBUSY: 'it is busy',
  ENOTEMPTY: 'the directory is not empty',
};

/**
 * A failed system call as one line in plain words ("cannot create the directory out/x: a part of the
 * path is not a directory"), instead of Node's raw text (`ENOTDIR: not a directory, mkdir 'out/x'`).
 */
export function systemErrorMessage(error: unknown): string | undefined {
  const { code, syscall, path } = (error ?? {}) as Partial<NodeJS.ErrnoException>;
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code) || typeof syscall !== 'string') return undefined;
  const verb = SYSCALL_VERBS[syscall] ?? syscall;
  const reason = ERRNO_REASONS[code] ?? code;
  return path === undefined ? `cannot ${verb}: ${reason}` : `cannot ${verb} ${path}: ${reason}`;
}
