import { parseArgs } from 'node:util';
import type { Target } from '@sealpack/oci-client';
import type { Command, CommandContext, OptionSpecs } from './command.ts';
import { commandHelp, groupHelp, parseArgsMessage, parseArgsOptions, usageText } from './help.ts';
import { attachCommand } from './commands/attach.ts';
import { backupCommand, restoreCommand } from './commands/backup.ts';
import { blobGetCommand } from './commands/blob.ts';
import { catalogPatchCommand, catalogValidateCommand } from './commands/catalog.ts';
import { completionCommand } from './commands/completion.ts';
import { copyCommand } from './commands/copy.ts';
import { discoverCommand } from './commands/discover.ts';
import { doctorCommand } from './commands/doctor.ts';
import { gcCommand, historyCommand, promoteCommand, rollbackCommand } from './commands/lifecycle.ts';
import { lineageCommand } from './commands/lineage.ts';
import { loginCommand, logoutCommand } from './commands/login.ts';
import { manifestDeleteCommand, manifestGetCommand } from './commands/manifest.ts';
import { pullCommand } from './commands/pull.ts';
import { policyCheckCommand } from './commands/policy.ts';
import { provenanceBuildCommand } from './commands/provenance.ts';
import { publishCommand } from './commands/publish.ts';
import { serveCommand } from './commands/serve.ts';
import { pushCommand } from './commands/push.ts';
import { resolveCommand } from './commands/resolve.ts';
import { sbomCommand } from './commands/sbom.ts';
import { attestCommand, conformanceVerifyBundleCommand, generateKeyPairCommand, revokeCommand, signCommand, verifyAttestationCommand, verifyCommand } from './commands/signing.ts';
import { tagCommand } from './commands/tag.ts';
import { tagsCommand } from './commands/tags.ts';
import { Interrupted, OfflineError, UsageError } from './errors.ts';
import { parseOptions } from './command-input.ts';
import { EXIT } from './exit-codes.ts';
import { asTypedError, describeFailure } from './failure.ts';
import { secretsOf } from './known-secrets.ts';
import { escapeControls } from './safe-text.ts';
import { ConnectionOptions, hostsNamedBy } from './connection-options.ts';
import { GLOBAL_OPTIONS, GlobalValuesSchema, openRefTarget, outputOptions } from './global-options.ts';
import { EXIT_BROKEN_PIPE, type CliIo } from './io.ts';
import { Output } from './output.ts';
import { VERSION } from './version.ts';

export const COMMANDS: readonly Command[] = [
  pushCommand,
  pullCommand,
  resolveCommand,
  tagCommand,
  tagsCommand,
  manifestGetCommand,
  manifestDeleteCommand,
  blobGetCommand,
  attachCommand,
  discoverCommand,
  copyCommand,
  backupCommand,
  restoreCommand,
  loginCommand,
  logoutCommand,
  generateKeyPairCommand,
  signCommand,
  verifyCommand,
  attestCommand,
  verifyAttestationCommand,
  conformanceVerifyBundleCommand,
  provenanceBuildCommand,
  sbomCommand,
  lineageCommand,
  catalogPatchCommand,
  catalogValidateCommand,
  policyCheckCommand,
  promoteCommand,
  historyCommand,
  rollbackCommand,
  revokeCommand,
  gcCommand,
  publishCommand,
  doctorCommand,
  serveCommand,
  completionCommand,
];

function findCommand(args: readonly string[]): { command: Command; rest: string[] } | undefined {
  const matches = COMMANDS.filter((c) => c.path.every((word, i) => args[i] === word)).sort((a, b) => b.path.length - a.path.length);
  const command = matches[0];
  return command === undefined ? undefined : { command, rest: args.slice(command.path.length) };
}

/** Runs one sealpack invocation; returns the exit code (never throws, never exits the process). */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv[0] === '--version' || argv[0] === 'version') {
    io.stdout.write(`sealpack ${VERSION}\n`);
    return EXIT.OK;
  }
  if (argv[0] === 'help' && argv.length > 1) return helpFor(argv.slice(1), io);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    (argv.length === 0 ? io.stderr : io.stdout).write(`${usageText(COMMANDS)}\n`);
    return argv.length === 0 ? EXIT.USAGE : EXIT.OK;
  }
  const found = findCommand(argv);
  const debug = argv.includes('--debug');
  if (found === undefined) {
    const group = groupHelp(argv[0] ?? '', COMMANDS);
    // `sealpack manifest` alone lists its subcommands; a wrong one is a usage error that lists them too.
    if (group !== undefined && (argv.length === 1 || argv[1] === '--help' || argv[1] === '-h')) {
      io.stdout.write(`${group}\n`);
      return EXIT.OK;
    }
    io.stderr.write(
      group === undefined
        ? `sealpack: unknown command '${escapeControls(argv[0] ?? '')}' (see sealpack --help)\n`
        : `sealpack: unknown subcommand '${escapeControls(argv.slice(0, 2).join(' '))}'\n${group}\n`,
    );
    return EXIT.USAGE;
  }
  const { command, rest } = found;
  const opened: Target[] = [];
  const secrets = secretsOf(argv, io.env);
  let out = new Output(io, { json: argv.includes('--json'), quiet: false, debug }, secrets);
  try {
    let parsed: { values: Record<string, unknown>; positionals: string[] };
    const specs = { ...GLOBAL_OPTIONS, ...command.options };
    try {
      const spelled = spellBooleans(rest, specs);
      parsed = parseArgs({ args: spelled.args, options: parseArgsOptions(specs), allowPositionals: true, strict: true });
      for (const name of spelled.negated) parsed.values[name] = false;
    } catch (error) {
      throw new UsageError(`${parseArgsMessage(error, specs)} (usage: ${command.usage})`);
    }
    const globals = parseOptions(GlobalValuesSchema, Object.fromEntries(Object.entries(parsed.values).filter(([k]) => k in GLOBAL_OPTIONS)));
    out = new Output(io, outputOptions(globals), secrets);
    if (globals.help === true) {
      io.stdout.write(`${commandHelp(command)}\n`);
      return EXIT.OK;
    }
    const extra = command.operands === 'many' ? undefined : parsed.positionals[command.operands];
    if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}' (usage: ${command.usage})`);
    const values = { ...parsed.values, ...globals };
    const ownHosts = hostsNamedBy(parsed.positionals, values);
    const connections = new ConnectionOptions(
      values,
      io,
      (line) => out.debug(line),
      (secret) => out.addSecret(secret),
    );
    const context: CommandContext = {
      commands: COMMANDS,
      io,
      out,
      values,
      positionals: parsed.positionals,
      tlsOptions: () => connections.tls(),
      open: async (ref, sides) => {
        // CLI.md "--offline": no request at all, also to a registry that evidence names.
        if ((values as Record<string, unknown>).offline === true && ref.kind === 'registry') throw new OfflineError(`--offline: not reading ${ref.registry}/${ref.repository}`);
        const target = openRefTarget(ref, await connections.for({ self: ref, ownHosts, ...sides }), io);
        opened.push(target);
        return target;
      },
    };
    await command.run(context);
    out.endJson();
    return EXIT.OK;
  } catch (error) {
    out.clearProgress();
    // Ctrl-C at a prompt arrives as a keystroke (the terminal is in raw mode), not as a signal.
    const reason: unknown = error instanceof Interrupted ? error : io.signal?.aborted === true ? io.signal.reason : undefined;
    if (reason instanceof Interrupted) {
      // Whatever the abort surfaced as (a network or I/O error, usually), the cause is the user.
      out.endJson({ code: reason.code, message: reason.message, exitCode: reason.exitCode });
      out.error(`sealpack ${command.path.join(' ')}: ${reason.message}`);
      if (debug && error instanceof Error) out.error(error.stack ?? '');
      return reason.exitCode;
    }
    // A reader that closed the pipe early (`blob get -o - | head -c 10`) is not a failure to report.
    if ((error as NodeJS.ErrnoException).code === 'EPIPE' && io.stdout.destroyed) return EXIT_BROKEN_PIPE;
    const failure = describeFailure(error);
    // CLI.md "Global conventions": with --json a failure is also one JSON document on stdout.
    out.endJson({ code: failure.code, message: failure.message, exitCode: failure.exitCode });
    out.error(`sealpack ${command.path.join(' ')}: ${failure.message}${asTypedError(error) === undefined || failure.code === 'USAGE' ? '' : ` [${failure.code}]`}`);
    if (debug && error instanceof Error) out.error(`${error.stack ?? ''}${error.cause === undefined ? '' : `\ncause: ${String((error.cause as Error).stack ?? error.cause)}`}`);
    return failure.exitCode;
  } finally {
    await Promise.allSettled(opened.map((t) => t.close()));
  }
}

/**
 * `--plain-http=false` (CLI.md "References") and the like: parseArgs takes no value on a boolean
 * option, so `--X=true` becomes `--X`, and `--X=false` is taken out and set to false after parsing
 * (parseArgs' own `--no-X` would clash with options whose names start with `no-`). The last
 * spelling of an option wins, as it does for parseArgs.
 */
export function spellBooleans(args: readonly string[], options: OptionSpecs): { args: string[]; negated: Set<string> } {
  const result: string[] = [];
  const negated = new Set<string>();
  for (const [i, arg] of args.entries()) {
    if (arg === '--') return { args: [...result, ...args.slice(i)], negated };
    const match = /^--([a-z][a-z0-9-]*)(?:=(true|false))?$/.exec(arg);
    const name = match?.[1];
    if (name === undefined || options[name]?.type !== 'boolean') {
      result.push(arg);
    } else if (match?.[2] === 'false') {
      negated.add(name);
    } else {
      negated.delete(name);
      result.push(`--${name}`);
    }
  }
  return { args: result, negated };
}

/** `sealpack help push` is `sealpack push --help`; `sealpack help manifest` lists the group. */
function helpFor(words: readonly string[], io: CliIo): number {
  const found = findCommand(words);
  const text = found !== undefined && found.rest.length === 0 ? commandHelp(found.command) : groupHelp(words[0] ?? '', COMMANDS);
  if (text === undefined || (found === undefined && words.length > 1)) {
    io.stderr.write(`sealpack help: no command '${escapeControls(words.join(' '))}' (see sealpack --help)\n`);
    return EXIT.USAGE;
  }
  io.stdout.write(`${text}\n`);
  return EXIT.OK;
}
