export { main, COMMANDS } from './main.ts';
export { EXIT, exitCodeFor } from './exit-codes.ts';
export { UsageError, NegativeAnswer } from './errors.ts';
export type { CliIo } from './io.ts';
export type { Command, CommandContext } from './command.ts';
