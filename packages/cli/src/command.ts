import type { ParseArgsConfig } from 'node:util';
import type { OpenTargetOptions, Reference, Target } from '@sealpack/oci-client';
import type { GlobalValues } from './global-options.ts';
import type { CliIo } from './io.ts';
import type { Output } from './output.ts';

export interface CommandContext {
  io: CliIo;
  out: Output;
  /** Parsed option values (global and the command's own), not yet validated by the command's schema. */
  values: Record<string, unknown> & GlobalValues;
  positionals: string[];
  /** Opens a reference's target with the global auth/TLS options; closed after the command. */
  open(ref: Reference): Promise<Target>;
  targetOptions(): Promise<OpenTargetOptions>;
}

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
  options: NonNullable<ParseArgsConfig['options']>;
  run(context: CommandContext): Promise<void>;
}
