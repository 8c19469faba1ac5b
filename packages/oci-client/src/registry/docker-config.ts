import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { OciError } from '../errors.ts';
import { makeDirectory, writeFileAtomic } from '../fs-atomic.ts';
import type { Credential, CredentialProvider } from './credentials.ts';

/** The parts of docker's config.json (docker/cli configfile) that hold credentials; others are kept as-is. */
const DockerConfigSchema = z.looseObject({
  auths: z
    .record(
      z.string(),
      z.looseObject({
        auth: z.string().optional(),
        username: z.string().optional(),
        password: z.string().optional(),
        identitytoken: z.string().optional(),
      }),
    )
    .optional(),
  credsStore: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/)
    .optional(),
  credHelpers: z.record(z.string(), z.string().regex(/^[A-Za-z0-9._-]+$/)).optional(),
});
export type DockerConfig = z.infer<typeof DockerConfigSchema>;

/** docker-credential-helpers protocol: `get` answers this on stdout. */
const HelperAnswerSchema = z.looseObject({ Username: z.string(), Secret: z.string() });

export interface DockerConfigOptions {
  /** Path of config.json; default `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`. */
  path?: string;
  env?: NodeJS.ProcessEnv;
  /** Runs `docker-credential-NAME ACTION` with stdin; replaceable in tests. */
  runHelper?: (helper: string, action: 'get' | 'store' | 'erase', input: string) => Promise<string>;
}

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

function runCredentialHelper(helper: string, action: 'get' | 'store' | 'erase', input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(`docker-credential-${helper}`, [action], { timeout: 30_000, maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error) reject(new OciError('CREDENTIALS', `credential helper docker-credential-${helper} ${action} failed: ${stdout.trim() || error.message}`));
      else resolve(stdout);
    });
    child.stdin?.end(input);
  });
}

export async function readDockerConfig(path: string): Promise<DockerConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new OciError('CREDENTIALS', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new OciError('CREDENTIALS', `${path} is not valid JSON`, { cause });
  }
  const parsed = DockerConfigSchema.safeParse(json);
  if (!parsed.success) throw new OciError('CREDENTIALS', `${path} is not a valid docker config: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/** The keys docker writes for a host: bare, with scheme, and Docker Hub's legacy index URL. */
function configKeysFor(registry: string): string[] {
  if (registry === 'docker.io') return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
  return [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`];
}

function fromAuthEntry(registry: string, entry: NonNullable<DockerConfig['auths']>[string]): Credential | undefined {
  let username = entry.username;
  let password = entry.password;
  if (entry.auth !== undefined && entry.auth.length > 0) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) throw new OciError('CREDENTIALS', `docker config entry for ${registry} has a malformed 'auth' field`);
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  if (entry.identitytoken !== undefined && entry.identitytoken.length > 0) {
    return { kind: 'identity-token', username: username ?? '<token>', token: entry.identitytoken };
  }
  if (username === undefined || password === undefined) return undefined;
  return { kind: 'basic', username, password };
}

async function fromHelper(helper: string, registry: string, run: NonNullable<DockerConfigOptions['runHelper']>): Promise<Credential | undefined> {
  const serverUrl = registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry;
  let out: string;
  try {
    out = await run(helper, 'get', serverUrl);
  } catch (error) {
    // Helpers answer "credentials not found" with a failure; that is "no credential", not an error.
    if (error instanceof OciError && /not found/i.test(error.message)) return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(out);
  } catch (cause) {
    throw new OciError('CREDENTIALS', `credential helper docker-credential-${helper} answered something that is not JSON`, { cause });
  }
  const parsed = HelperAnswerSchema.safeParse(json);
  if (!parsed.success) throw new OciError('CREDENTIALS', `credential helper docker-credential-${helper} gave an unexpected answer`);
  // docker's convention: Username "<token>" means the secret is an identity token.
  if (parsed.data.Username === '<token>') return { kind: 'identity-token', username: '<token>', token: parsed.data.Secret };
  return { kind: 'basic', username: parsed.data.Username, password: parsed.data.Secret };
}

/** Credentials as docker resolves them: credHelpers[host], then auths[host], then credsStore. */
export function dockerConfigCredentials(options: DockerConfigOptions = {}): CredentialProvider {
  const path = options.path ?? dockerConfigPath(options.env);
  const run = options.runHelper ?? runCredentialHelper;
  return async (registry) => {
    const config = await readDockerConfig(path);
    const helper = config.credHelpers?.[registry];
    if (helper !== undefined) return fromHelper(helper, registry, run);
    for (const key of configKeysFor(registry)) {
      const entry = config.auths?.[key];
      if (entry !== undefined) {
        const credential = fromAuthEntry(registry, entry);
        if (credential !== undefined) return credential;
      }
    }
    if (config.credsStore !== undefined) return fromHelper(config.credsStore, registry, run);
    return undefined;
  };
}

/** `login`: stores a credential where docker would (the helper if one is configured, else `auths`). */
export async function storeDockerCredential(registry: string, credential: { username: string; password: string }, options: DockerConfigOptions = {}): Promise<string> {
  const path = options.path ?? dockerConfigPath(options.env);
  const run = options.runHelper ?? runCredentialHelper;
  const config = await readDockerConfig(path);
  const key = configKeysFor(registry)[0] as string;
  const helper = config.credHelpers?.[registry] ?? config.credsStore;
  if (helper !== undefined) {
    await run(helper, 'store', JSON.stringify({ ServerURL: key, Username: credential.username, Secret: credential.password }));
    return `docker-credential-${helper}`;
  }
  const auth = Buffer.from(`${credential.username}:${credential.password}`).toString('base64');
  const next = { ...config, auths: { ...config.auths, [key]: { auth } } };
  await makeDirectory(dirname(path), 0o700);
  await writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`, 0o600);
  return path;
}

/** `logout`: removes the host's credential; false when there was none. */
export async function eraseDockerCredential(registry: string, options: DockerConfigOptions = {}): Promise<boolean> {
  const path = options.path ?? dockerConfigPath(options.env);
  const run = options.runHelper ?? runCredentialHelper;
  const config = await readDockerConfig(path);
  const helper = config.credHelpers?.[registry] ?? config.credsStore;
  let removed = false;
  const auths = { ...config.auths };
  for (const key of configKeysFor(registry)) {
    if (key in auths) {
      delete auths[key];
      removed = true;
    }
  }
  if (removed) await writeFileAtomic(path, `${JSON.stringify({ ...config, auths }, null, 2)}\n`, 0o600);
  if (helper !== undefined) {
    try {
      await run(helper, 'erase', configKeysFor(registry)[0] as string);
      removed = true;
    } catch (error) {
      if (!(error instanceof OciError && /not found/i.test(error.message))) throw error;
    }
  }
  return removed;
}
