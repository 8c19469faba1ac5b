/** CLI.md "Global conventions": the exit status contract scripts rely on. */
export const EXIT = {
  OK: 0,
  /** The answer is no: verification failed or policy denied. */
  NO: 1,
  /** Usage error or invalid input. */
  USAGE: 2,
  /** Registry, network or I/O failure. */
  TRANSPORT: 3,
  /** A bug in sealpack: the message asks for a report. */
  INTERNAL: 4,
} as const;

/** The `kind` every `@sealpack/*` error carries (see `OciErrorKind`), and the status it exits with. */
export const EXIT_FOR_KIND = {
  input: EXIT.USAGE,
  verification: EXIT.NO,
  transport: EXIT.TRANSPORT,
  internal: EXIT.INTERNAL,
} as const;

export type ErrorKind = keyof typeof EXIT_FOR_KIND;
