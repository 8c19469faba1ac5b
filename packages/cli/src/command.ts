import type { Reference, Target } from '@sealpack/oci-client';
import type { Side, TlsOptions } from './connection-options.ts';
import type { GlobalValues } from './global-options.ts';
import type { CliIo } from './io.ts';
import type { Output } from './output.ts';

export interface CommandContext {
  /** Every command of this CLI (for completion scripts and help). */
  commands: readonly Command[];
  io: CliIo;
  out: Output;
  /** Parsed option values (global and the command's own), not yet validated by the command's schema. */
  values: Record<string, unknown> & GlobalValues;
  positionals: string[];
  /**
   * Opens a reference's target with its auth/TLS options; closed after the command. A command
   * between two registries names the side and the other end, so that each side gets its own
   * credentials and plain ones are never sent to both.
   */
  open(ref: Reference, sides?: { side: Side; peer?: Reference }): Promise<Target>;
  /** The TLS settings `open` would use, for commands that talk to a registry host directly (login). */
  tlsOptions(): Promise<TlsOptions>;
}

/** One option: what parseArgs needs, and what help and docs/cli.md say about it. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** One line, shown in `--help` and docs/cli.md. */
  description: string;
  /** The default as shown to the user; none where the option is simply off unless given. */
  defaultText?: string;
  /** The value's placeholder in help: FILE, N, T. */
  valueName?: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export interface Command {
  /** Words that select it: `['manifest', 'get']`. */
  path: string[];
  usage: string;
  /**
   * How many positional arguments it takes at most. A stray extra one is refused rather than
   * ignored: `pull REF DIR` (for `pull REF -o DIR`) would otherwise write into the current directory.
   */
  operands: number | 'many';
  summary: string;
  options: OptionSpecs;
  run(context: CommandContext): Promise<void>;
}
