export { main, COMMANDS } from './main.ts';
export { EXIT, EXIT_FOR_KIND, type ErrorKind } from './exit-codes.ts';
export { describeFailure, type Failure } from './failure.ts';
export { UsageError } from './errors.ts';
export type { CliIo } from './io.ts';
export type { Command, CommandContext } from './command.ts';
