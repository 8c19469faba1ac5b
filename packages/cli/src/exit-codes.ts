import { OciError } from '@sealpack/oci-client';
import { NegativeAnswer, UsageError } from './errors.ts';

/** CLI.md "Global conventions": the exit status contract scripts rely on. */
export const EXIT = {
  OK: 0,
  /** The answer is no: verification failed or policy denied. */
  NO: 1,
  /** Usage error or invalid input. */
  USAGE: 2,
  /** Registry, network or I/O failure. */
  TRANSPORT: 3,
} as const;

export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT.USAGE;
  if (error instanceof NegativeAnswer) return EXIT.NO;
  if (error instanceof OciError) {
    switch (error.kind) {
      case 'input':
        return EXIT.USAGE;
      case 'verification':
        return EXIT.NO;
      case 'transport':
        return EXIT.TRANSPORT;
    }
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return EXIT.TRANSPORT;
  return EXIT.TRANSPORT;
}
