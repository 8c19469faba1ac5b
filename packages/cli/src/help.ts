import type { ParseArgsConfig } from 'node:util';
import type { Command, OptionSpec, OptionSpecs } from './command.ts';
import { GLOBAL_OPTIONS } from './global-options.ts';

/** What parseArgs reads of an option table (the rest is for people). */
export function parseArgsOptions(specs: OptionSpecs): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [name, { type: spec.type, ...(spec.short === undefined ? {} : { short: spec.short }), ...(spec.multiple === true ? { multiple: true } : {}) }]),
  );
}

/** `-o, --output DIR`: how an option is typed. */
export function optionSignature(name: string, spec: OptionSpec): string {
  const value = spec.type === 'string' ? ` ${spec.valueName ?? 'VALUE'}` : '';
  return `${spec.short === undefined ? '    ' : `-${spec.short}, `}--${name}${value}`;
}

function optionLines(specs: OptionSpecs): string[] {
  const rows = Object.entries(specs).map(([name, spec]) => [optionSignature(name, spec), `${spec.description}${spec.defaultText === undefined ? '' : ` (default: ${spec.defaultText})`}`] as const);
  const width = Math.max(0, ...rows.map(([signature]) => signature.length));
  return rows.map(([signature, text]) => `  ${signature.padEnd(width)}  ${text}`);
}

export function usageText(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.path.join(' ').length));
  return [
    'usage: sealpack COMMAND [ARGS...] [--json] [--quiet] [--debug]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    'References: [oci://]HOST[:PORT]/REPO[:TAG][@sha256:HEX]  or  ocidir://PATH[:TAG][@sha256:HEX]',
    'Auth: -u USER --password-stdin, SEALPACK_USERNAME/SEALPACK_PASSWORD, or ~/.docker/config.json;',
    '  copy/restore between two registries: --from-username/--to-username with --from-password-stdin|--from-password-file (and --to-…)',
    'TLS: --ca-file FILE, --insecure, --plain-http[=false] (plain HTTP for localhost and 127.0.0.1 unless TLS is asked for)',
    'Exit codes: 0 ok, 1 verification or policy said no, 2 usage or invalid input, 3 registry, network or I/O failure, 4 internal error (a bug), 130 interrupted',
    '',
    "Run 'sealpack help COMMAND' (or 'sealpack COMMAND --help') for a command's options; docs/cli.md has them all.",
  ].join('\n');
}

export function commandHelp(command: Command): string {
  const own = optionLines(command.options);
  return [`usage: ${command.usage}`, '', command.summary, ...(own.length > 0 ? ['', 'Options:', ...own] : []), '', 'Global options:', ...optionLines(GLOBAL_OPTIONS)].join('\n');
}

/** `sealpack manifest`: the subcommands of a group, as `git remote` lists its own. */
export function groupHelp(word: string, commands: readonly Command[]): string | undefined {
  const members = commands.filter((c) => c.path.length > 1 && c.path[0] === word);
  if (members.length === 0) return undefined;
  const width = Math.max(...members.map((c) => c.path.join(' ').length));
  return [`usage: sealpack ${word} SUBCOMMAND [ARGS...]`, '', 'Subcommands:', ...members.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`)].join('\n');
}

/**
 * parseArgs' own messages name internals and options by their full spec ("Option '-o, --output
 * <value>' argument is ambiguous"); say the same thing in the words of this command line.
 */
export function parseArgsMessage(error: unknown, specs: OptionSpecs): string {
  const { code, message } = error as { code?: string; message: string };
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? '?';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option '${quoted}'`;
  if (code !== 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return (message.split('\n')[0] ?? message).replace(/\. To specify a positional argument.*$/, '');
  // The option as the user knows it: its long name, found from `-o` or `-o, --output <value>`.
  const typed = /--[\w-]+/.exec(quoted)?.[0] ?? quoted;
  const name = typed.startsWith('--') ? typed.slice(2) : (Object.entries(specs).find(([, s]) => `-${s.short}` === typed)?.[0] ?? typed);
  const spec = specs[name];
  if (spec?.type === 'boolean') return `option --${name} takes no value (write --${name}=true|false, or leave the value out)`;
  if (message.includes('ambiguous')) return `option --${name} needs a value; to give one that starts with '-', write --${name}=-VALUE`;
  return `option --${name} needs a value`;
}
