import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { bytesSource, type Descriptor, isOciError, type Target } from '@sealpack/oci-client';
import { registryScheme } from '@sealpack/oci-client/registry';
import type { Command, CommandContext } from '../command.ts';
import { UsageError } from '../errors.ts';
import { parseRef } from '../global-options.ts';
import { keyPassword, loadSigning, loadVerifying } from './signing-options.ts';

interface Check {
  name: string;
  status: 'ok' | 'fail' | 'skip';
  detail: string;
  /** How to fix it, when it failed. */
  fix?: string;
}

// The empty JSON blob every OCI artifact's config may be: pushing it is harmless and proves push rights.
const EMPTY = new TextEncoder().encode('{}');
const EMPTY_DESCRIPTOR: Descriptor = { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 };
const MAX_SKEW_SECONDS = 60;

/** A target that can say how it lists referrers (RegistryTarget), asked without naming the class. */
interface ReferrersModeAware {
  readonly readsReferrersByTagSchema: boolean;
}
const knowsReferrersMode = (target: object): target is ReferrersModeAware => 'readsReferrersByTagSchema' in target;

class DoctorError extends Error {
  readonly code = 'PREREQUISITES_MISSING';
  readonly kind = 'verification';
}

export const doctorCommand: Command = {
  path: ['doctor'],
  usage: 'sealpack doctor [REGISTRY/REPO] [--key FILE] [--trusted-root FILE]',
  operands: 1,
  summary: 'check what publishing needs — the registry and its credentials, referrers support, clock, key or OIDC token, trust root — and say how to fix each (exit 1 if any fails)',
  options: {
    key: { type: 'string', valueName: 'FILE', description: 'the signing key to try opening (COSIGN_PASSWORD, --key-password-file or a prompt)' },
    'key-password-file': { type: 'string', valueName: 'FILE', description: "read the key's password from FILE" },
    'trusted-root': { type: 'string', valueName: 'FILE', defaultText: 'the embedded public-good root', description: 'the trusted_root.json to try loading' },
  },
  async run(context) {
    const { values, positionals, io, out } = context;
    const checks: Check[] = [{ name: 'node', status: 'ok', detail: `${process.version} (22.19 or newer is needed)` }];
    if (positionals[0] !== undefined) checks.push(...(await registryChecks(context, positionals[0])));
    else checks.push({ name: 'registry', status: 'skip', detail: 'no REGISTRY/REPO given' });
    checks.push(await keyCheck(context, values.key, values['key-password-file']));
    checks.push(tokenCheck(io.env));
    checks.push(await trustCheck(io.cwd, values['trusted-root']));
    if (out.options.json) out.json({ ok: checks.every((c) => c.status !== 'fail'), checks });
    else for (const c of checks) out.line(`${c.status === 'ok' ? '✔' : c.status === 'fail' ? '✘' : '–'} ${c.name.padEnd(12)} ${c.detail}${c.fix === undefined ? '' : `\n  fix: ${c.fix}`}`);
    const failed = checks.filter((c) => c.status === 'fail');
    if (failed.length > 0) throw new DoctorError(`${failed.length} check(s) failed: ${failed.map((c) => c.name).join(', ')}`);
  },
};

async function registryChecks(context: CommandContext, text: string): Promise<Check[]> {
  const ref = parseRef(text, 'REGISTRY/REPO');
  if (ref.kind !== 'registry') throw new UsageError('doctor checks a registry repository (REGISTRY/REPO), not a layout');
  const where = `${ref.registry}/${ref.repository}`;
  const checks: Check[] = [];
  let target: Target;
  try {
    target = await context.open(ref);
    await target.tags().catch((error: unknown) => {
      if (isOciError(error, 'NOT_FOUND')) return []; // an empty repository answers so
      throw error;
    });
    checks.push({ name: 'pull', status: 'ok', detail: `${where} answers, and the credentials may read it` });
  } catch (error) {
    const denied = isOciError(error, 'UNAUTHORIZED') || isOciError(error, 'ACCESS_DENIED');
    checks.push({
      name: 'pull',
      status: 'fail',
      detail: `${where}: ${(error as Error).message.split('\n')[0]}`,
      fix: denied ? `sealpack login ${ref.registry} (or SEALPACK_USERNAME and --password-stdin)` : `is the registry running and reachable? (--plain-http / --ca-file for its TLS)`,
    });
    return checks;
  }
  try {
    await target.push(EMPTY_DESCRIPTOR, bytesSource(EMPTY));
    checks.push({ name: 'push', status: 'ok', detail: `the credentials may push to ${where}` });
  } catch (error) {
    checks.push({ name: 'push', status: 'fail', detail: `cannot push to ${where}: ${(error as Error).message.split('\n')[0]}`, fix: 'log in with an account that may push to this repository' });
  }
  try {
    await target.referrers(EMPTY_DESCRIPTOR);
    const fallback = knowsReferrersMode(target) && target.readsReferrersByTagSchema;
    checks.push({ name: 'referrers', status: 'ok', detail: fallback ? 'no referrers API: the OCI 1.1 tag-schema fallback is used (sha256-<hex> tags)' : 'the OCI 1.1 referrers API answers' });
  } catch (error) {
    checks.push({
      name: 'referrers',
      status: 'fail',
      detail: `cannot list referrers: ${(error as Error).message.split('\n')[0]}`,
      fix: 'a registry with the OCI referrers API, or one that accepts the tag-schema fallback',
    });
  }
  checks.push(await clockCheck(context, ref.registry));
  return checks;
}

/** The registry's clock against ours: tokens, certificates and timestamps all depend on it. */
async function clockCheck(context: CommandContext, registry: string): Promise<Check> {
  const tls = await context.tlsOptions();
  const url = `${registryScheme(registry, tls)}://${registry}/v2/`;
  try {
    const response = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(5000) });
    await response.body?.cancel();
    const date = response.headers.get('date');
    if (date === null) return { name: 'clock', status: 'skip', detail: 'the registry sends no Date header' };
    const skew = Math.round((Date.parse(date) - Date.now()) / 1000);
    return Math.abs(skew) <= MAX_SKEW_SECONDS
      ? { name: 'clock', status: 'ok', detail: `within ${Math.abs(skew)} s of the registry's` }
      : { name: 'clock', status: 'fail', detail: `${skew} s off the registry's clock`, fix: 'synchronise this machine’s clock (NTP): tokens and certificates are judged by time' };
  } catch {
    return { name: 'clock', status: 'skip', detail: `could not read the registry's Date from ${url}` };
  }
}

async function keyCheck(context: CommandContext, key: unknown, passwordFile: unknown): Promise<Check> {
  if (typeof key !== 'string') return { name: 'key', status: 'skip', detail: 'no --key given (keyless signing needs an OIDC token instead)' };
  const signing = await loadSigning();
  try {
    const text = await readFile(resolve(context.io.cwd, key), 'utf8');
    const privateKey = await signing.loadPrivateKey(text, () => keyPassword(context.io, passwordFile));
    return { name: 'key', status: 'ok', detail: `${key} opens: key ${signing.keyId(privateKey)}` };
  } catch (error) {
    return {
      name: 'key',
      status: 'fail',
      detail: `${key}: ${(error as Error).message.split('\n')[0]}`,
      fix: 'set COSIGN_PASSWORD (or --key-password-file) to the key’s password, or make a key with sealpack generate-key-pair',
    };
  }
}

/** SIGSTORE_ID_TOKEN present and not expired, or a CI job that can mint one. */
function tokenCheck(env: Readonly<Record<string, string | undefined>>): Check {
  const token = env.SIGSTORE_ID_TOKEN;
  if (token === undefined || token === '') {
    if (env.ACTIONS_ID_TOKEN_REQUEST_URL !== undefined) return { name: 'oidc token', status: 'ok', detail: 'a GitHub Actions job token can be requested' };
    return { name: 'oidc token', status: 'skip', detail: 'none (only keyless signing needs one)' };
  }
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown; iss?: unknown };
    if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) {
      return { name: 'oidc token', status: 'fail', detail: `SIGSTORE_ID_TOKEN expired at ${new Date(claims.exp * 1000).toISOString()}`, fix: 'request a fresh token from the identity provider' };
    }
    return { name: 'oidc token', status: 'ok', detail: `SIGSTORE_ID_TOKEN from ${typeof claims.iss === 'string' ? claims.iss : 'an unknown issuer'}` };
  } catch {
    return { name: 'oidc token', status: 'fail', detail: 'SIGSTORE_ID_TOKEN is not a JWT', fix: 'set SIGSTORE_ID_TOKEN to the identity token itself' };
  }
}

async function trustCheck(cwd: string, file: unknown): Promise<Check> {
  const verifying = await loadVerifying();
  try {
    if (typeof file === 'string') verifying.trustMaterialFromJSON(JSON.parse(await readFile(resolve(cwd, file), 'utf8')) as unknown);
    else verifying.publicGoodTrustMaterial();
    return { name: 'trust root', status: 'ok', detail: typeof file === 'string' ? `${file} loads` : 'the embedded Sigstore public-good root loads' };
  } catch (error) {
    return { name: 'trust root', status: 'fail', detail: (error as Error).message.split('\n')[0] ?? 'does not load', fix: 'a trusted_root.json from your Sigstore deployment (--trusted-root)' };
  }
}
