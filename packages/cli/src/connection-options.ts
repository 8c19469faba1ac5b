import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { dockerConfigCredentials, firstOf, parseReference, type Credential, type CredentialProvider, type OpenTargetOptions, type Reference } from '@sealpack/oci-client';
import { z } from 'zod';
import { UsageError } from './errors.ts';
import { readStdin, signalOption, type CliIo } from './io.ts';
import { parseOptions } from './command-input.ts';
import type { OptionSpecs } from './command.ts';
import type { GlobalValues } from './global-options.ts';

/**
 * CLI.md "Two registries in one command": each side of a copy has its own credentials and TLS
 * settings, spelled as oras spells them (`--from-username`, `--to-ca-file`, …), so that a password
 * given for one registry is never sent to the other.
 */
export type Side = 'from' | 'to';

export function sideOptions(side: Side): OptionSpecs {
  const which = side === 'from' ? 'the source registry' : 'the destination registry';
  return {
    [`${side}-username`]: { type: 'string', valueName: 'USER', description: `user name for ${which} (env SEALPACK_${side.toUpperCase()}_USERNAME/_PASSWORD)` },
    [`${side}-password-stdin`]: { type: 'boolean', description: `read the password for ${which} from standard input` },
    [`${side}-password-file`]: { type: 'string', valueName: 'FILE', description: `read the password for ${which} from FILE` },
    [`${side}-ca-file`]: { type: 'string', valueName: 'FILE', description: `trust this PEM CA bundle for ${which}` },
    [`${side}-insecure`]: { type: 'boolean', description: `skip TLS certificate verification for ${which}` },
    [`${side}-plain-http`]: { type: 'boolean', description: `HTTP instead of HTTPS for ${which} (=false forces TLS)` },
  };
}

/** One registry's connection flags, whether they came from the global or a side's spelling. */
interface ConnectionFlags {
  username?: string | undefined;
  passwordStdin?: boolean | undefined;
  passwordFile?: string | undefined;
  caFile?: string | undefined;
  insecure?: boolean | undefined;
  plainHttp?: boolean | undefined;
}

const SideValuesSchema = z.object({
  username: z.string().min(1, 'must not be empty').optional(),
  'password-stdin': z.boolean().optional(),
  'password-file': z.string().min(1, 'must not be empty').optional(),
  'ca-file': z.string().min(1, 'must not be empty').optional(),
  insecure: z.boolean().optional(),
  'plain-http': z.boolean().optional(),
});

function sideFlags(values: Record<string, unknown>, side: Side): ConnectionFlags {
  const prefix = `${side}-`;
  const own = Object.fromEntries(
    Object.entries(values)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k.slice(prefix.length), v]),
  );
  let parsed: z.infer<typeof SideValuesSchema>;
  try {
    parsed = parseOptions(SideValuesSchema, own);
  } catch (error) {
    // parseOptions names the option without its side; put the side back so the message matches the flag typed.
    throw new UsageError((error as Error).message.replace(/^--/, `--${prefix}`));
  }
  return {
    username: parsed.username,
    passwordStdin: parsed['password-stdin'],
    passwordFile: parsed['password-file'],
    caFile: parsed['ca-file'],
    insecure: parsed.insecure,
    plainHttp: parsed['plain-http'],
  };
}

function globalFlags(values: GlobalValues): ConnectionFlags {
  return { username: values.username, passwordStdin: values['password-stdin'], caFile: values['ca-file'], insecure: values.insecure, plainHttp: values['plain-http'] };
}

/** Whether the plain `-u`/`--password-stdin` or `SEALPACK_USERNAME`/`_PASSWORD` were given. */
function plainCredentialGiven(values: GlobalValues, env: NodeJS.ProcessEnv): string | undefined {
  if (values.username !== undefined || values['password-stdin'] === true) return '-u/--password-stdin';
  if (env.SEALPACK_USERNAME !== undefined || env.SEALPACK_PASSWORD !== undefined) return 'SEALPACK_USERNAME/SEALPACK_PASSWORD';
  return undefined;
}

/**
 * The registries the command's own reference arguments name (its operands and `--to`): the only
 * hosts that command-line credentials (`-u`, `--password-*`, `SEALPACK_USERNAME`/`_PASSWORD`) are
 * for. A host found inside evidence (a PROV input, `--derived-from`, a lineage link) may be anyone's,
 * and gets what docker's config.json or a credential helper holds for it, else nothing.
 */
export function hostsNamedBy(positionals: readonly string[], values: Record<string, unknown>): Set<string> {
  const hosts = new Set<string>();
  const to = values.to;
  for (const text of [...positionals, ...(typeof to === 'string' ? [to] : Array.isArray(to) ? to : [])]) {
    if (typeof text !== 'string') continue;
    try {
      const ref = parseReference(text);
      if (ref.kind === 'registry') hosts.add(ref.registry);
    } catch {
      // A file name or another operand that is no reference names no host.
    }
  }
  return hosts;
}

export type TlsOptions = Pick<OpenTargetOptions, 'plainHttp' | 'insecure' | 'ca'>;

export interface ConnectionScope {
  /** Which side of a two-registry command the target is; undefined for a one-registry command. */
  side?: Side;
  /** The other side's reference: plain credentials are refused when it is another registry. */
  peer?: Reference;
  self: Reference;
  /** The hosts the command's own arguments named (hostsNamedBy); any other gets docker-config credentials only. */
  ownHosts?: ReadonlySet<string>;
}

/**
 * Builds the connection settings for one target. The order of credentials is the side's own flags,
 * the side's environment (`SEALPACK_FROM_*`), the plain flags and environment (only where they
 * cannot reach a second registry), then docker's config.json, which is keyed by host already.
 */
export class ConnectionOptions {
  private readonly values: GlobalValues & Record<string, unknown>;
  private readonly io: CliIo;
  private readonly log: (line: string) => void;
  private readonly remember: (secret: string) => void;
  private stdinPassword: Promise<string> | undefined;

  /** `remember` learns every password read, so that the output layer can keep it out of what it prints. */
  constructor(values: GlobalValues & Record<string, unknown>, io: CliIo, log: (line: string) => void, remember: (secret: string) => void = () => undefined) {
    this.values = values;
    this.io = io;
    this.log = log;
    this.remember = remember;
    const stdinUsers = ['password-stdin', 'from-password-stdin', 'to-password-stdin'].filter((k) => values[k] === true);
    if (stdinUsers.length > 1) throw new UsageError(`standard input holds one password: use --${stdinUsers[1]?.replace('-stdin', '-file')} FILE instead of --${stdinUsers[1]}`);
  }

  async for(scope: ConnectionScope): Promise<OpenTargetOptions> {
    const { self, peer, side, ownHosts } = scope;
    // A side is one of the command's own ends (promote's destination may come from its environments
    // file, not an argument); only a target opened for evidence has none and may be anyone's.
    if (side === undefined && ownHosts !== undefined && self.kind === 'registry' && !ownHosts.has(self.registry)) return this.forForeignHost();
    const plain = plainCredentialGiven(this.values, this.io.env);
    if (plain !== undefined && self.kind === 'registry' && peer?.kind === 'registry' && peer.registry !== self.registry) {
      const [source, destination] = side === 'to' ? [peer.registry, self.registry] : [self.registry, peer.registry];
      throw new UsageError(
        `${plain} would reach two registries (${source} and ${destination}): give each its own with ` +
          '--from-username/--from-password-stdin|--from-password-file and --to-… (or SEALPACK_FROM_*/SEALPACK_TO_*)',
      );
    }
    const global = globalFlags(this.values);
    const own = side === undefined ? {} : sideFlags(this.values, side);
    const providers: CredentialProvider[] = [];
    if (side !== undefined) {
      const credential = await this.flagCredential(own, `${side}-`);
      if (credential !== undefined) providers.push(async () => credential);
      const envCredential = envPair(this.io.env, `SEALPACK_${side.toUpperCase()}_`);
      if (envCredential !== undefined) providers.push(async () => envCredential);
    }
    const plainCredential = await this.flagCredential(global, '');
    if (plainCredential !== undefined) providers.push(async () => plainCredential);
    const plainEnv = envPair(this.io.env, 'SEALPACK_');
    if (plainEnv !== undefined) providers.push(async () => plainEnv);
    providers.push(dockerConfigCredentials({ env: this.io.env }));

    const spec = this.values['distribution-spec'];
    return {
      credentials: firstOf(...providers),
      log: this.log,
      ...(await this.tlsOf(own, global, side)),
      ...(spec === undefined ? {} : { referrersMode: spec === 'v1.1-referrers-api' ? 'api' : 'tag-schema' }),
      // Ctrl-C stops every request to the registry, those of signing and attesting too.
      ...signalOption(this.io),
    };
  }

  /**
   * A host no argument of the command named: docker's config.json and credential helpers only,
   * which are keyed by host already, and the global TLS settings (a CA is no secret).
   */
  private async forForeignHost(): Promise<OpenTargetOptions> {
    const spec = this.values['distribution-spec'];
    return {
      credentials: dockerConfigCredentials({ env: this.io.env }),
      log: this.log,
      ...(await this.tlsOf({}, globalFlags(this.values), undefined)),
      ...(spec === undefined ? {} : { referrersMode: spec === 'v1.1-referrers-api' ? 'api' : 'tag-schema' }),
      ...signalOption(this.io),
    };
  }

  /** TLS settings: a side's own flag wins over the global one (a CA is no secret, so it may serve both). */
  tls(side?: Side): Promise<TlsOptions> {
    return this.tlsOf(side === undefined ? {} : sideFlags(this.values, side), globalFlags(this.values), side);
  }

  private async tlsOf(own: ConnectionFlags, global: ConnectionFlags, side: Side | undefined): Promise<TlsOptions> {
    const caFile = own.caFile ?? global.caFile;
    const insecure = own.insecure ?? global.insecure;
    const plainHttp = own.plainHttp ?? global.plainHttp;
    return {
      ...(plainHttp === undefined ? {} : { plainHttp }),
      ...(insecure === true ? { insecure: true } : {}),
      ...(caFile === undefined ? {} : { ca: await readUserFile(this.io, caFile, own.caFile === undefined ? 'ca-file' : `${side}-ca-file`) }),
    };
  }

  private async flagCredential(flags: ConnectionFlags, prefix: string): Promise<Credential | undefined> {
    const hasPassword = flags.passwordStdin === true || flags.passwordFile !== undefined;
    if (hasPassword && flags.username === undefined) throw new UsageError(`--${prefix}password-${flags.passwordStdin === true ? 'stdin' : 'file'} needs --${prefix}username`);
    if (flags.username === undefined) return undefined;
    if (!hasPassword) throw new UsageError(`--${prefix}username needs --${prefix}password-stdin${prefix === '' ? '' : ` or --${prefix}password-file`} (passwords are never taken as arguments)`);
    const password = flags.passwordStdin === true ? await this.readStdinPassword() : await this.readPasswordFile(flags.passwordFile as string, `${prefix}password-file`);
    this.remember(password);
    return { kind: 'basic', username: flags.username, password };
  }

  private readStdinPassword(): Promise<string> {
    this.stdinPassword ??= readStdin(this.io).then((text) => {
      const password = text.replace(/\r?\n$/, '');
      if (password.length === 0) throw new UsageError('no password on standard input');
      return password;
    });
    return this.stdinPassword;
  }

  private async readPasswordFile(path: string, flag: string): Promise<string> {
    const text = await readUserFile(this.io, path, flag);
    const password = text.toString('utf8').replace(/\r?\n$/, '');
    if (password.length === 0) throw new UsageError(`--${flag} ${path} is empty`);
    return password;
  }
}

function envPair(env: NodeJS.ProcessEnv, prefix: string): Credential | undefined {
  const username = env[`${prefix}USERNAME`];
  const password = env[`${prefix}PASSWORD`];
  return username === undefined || password === undefined ? undefined : { kind: 'basic', username, password };
}

/** A file a flag names: a missing or unreadable one is the user's to fix (exit 2), said in one line. */
async function readUserFile(io: CliIo, path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(resolve(io.cwd, path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable');
    throw new UsageError(`cannot read --${flag} ${path}: ${why}`);
  }
}
