import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Reference } from '@sealpack/oci-client';
import type { Signer, Witness } from '@sealpack/signing';
import type { Thresholds, VerifyPolicy } from '@sealpack/signing/verify';
import type { OptionSpecs } from '../command.ts';
import { UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { readSecret } from '../read-secret.ts';

// sigstore-js is loaded by the signing commands only (import() below), so `sealpack --version`
// and the transport commands start as fast as before it was a dependency.
export const loadSigning = () => import('@sealpack/signing');
export type Signing = Awaited<ReturnType<typeof loadSigning>>;
// Verifying needs only the verification side, which loads in about half the time.
export const loadVerifying = () => import('@sealpack/signing/verify');
export type Verifying = Awaited<ReturnType<typeof loadVerifying>>;

export const KEY_PASSWORD_OPTION = {
  'key-password-file': { type: 'string', valueName: 'FILE', description: "read the key's password from FILE (else COSIGN_PASSWORD, else a prompt on a terminal)" },
} as const satisfies OptionSpecs;

const DEFAULT_FULCIO_URL = 'https://fulcio.sigstore.dev';
const DEFAULT_REKOR_URL = 'https://rekor.sigstore.dev';
const PUBLIC_GOOD_ROOT = 'the Sigstore public-good root embedded in @sigstore/tuf';

/** The key or keyless options of a command that signs (`sign`, `attest`); `what` names what it records. */
export function signingKeyOptions(what: string): OptionSpecs {
  return {
    key: { type: 'string', valueName: 'FILE', description: 'private key: a cosign.key (encrypted) or a PEM PKCS#8 ECDSA P-256 key' },
    'identity-token': { type: 'string', valueName: 'TOKEN', description: "sign keyless: an OIDC identity token for Fulcio (else SIGSTORE_ID_TOKEN, else the CI job's own token)" },
    'oidc-provider': { type: 'string', valueName: 'P', description: 'keyless: take the token from env (SIGSTORE_ID_TOKEN), github-actions or filesystem only, as cosign' },
    'signing-config': { type: 'string', valueName: 'FILE', description: 'a Sigstore SigningConfig (v0.2): the Fulcio, Rekor (v1 or v2) and TSA to use; flags override it' },
    'fulcio-url': { type: 'string', valueName: 'URL', defaultText: DEFAULT_FULCIO_URL, description: 'Fulcio to certify a keyless signing key' },
    'rekor-url': { type: 'string', valueName: 'URL', defaultText: DEFAULT_REKOR_URL, description: `transparency log (Rekor v1) to record the ${what} in` },
    'tsa-url': { type: 'string', valueName: 'URL', description: 'RFC 3161 timestamp authority to timestamp it (none by default)' },
    'tlog-upload': { type: 'boolean', defaultText: 'true (as cosign)', description: `record the ${what} in the transparency log; =false signs with no network` },
    'legacy-tags': { type: 'boolean', description: `also write the ${what} under cosign v2's sha256-<hex>.${what === 'signature' ? 'sig' : 'att'} tag, for consumers on cosign v2` },
    ...KEY_PASSWORD_OPTION,
  };
}

/** The key or identity options of a command that verifies (`verify`, `verify-attestation`). */
export function verifyingKeyOptions(what: string): OptionSpecs {
  return {
    key: { type: 'string', valueName: 'FILE', description: `public key the ${what} must verify with (cosign.pub, PEM)` },
    'certificate-identity': { type: 'string', valueName: 'ID', description: "keyless: the signing certificate's identity (SAN), matched exactly" },
    'certificate-identity-regexp': {
      type: 'string',
      valueName: 'RE',
      // Unanchored as in cosign (a match anywhere in the SAN passes), so scripts written for cosign
      // mean the same here; policy files anchor theirs instead.
      description: "keyless: a regular expression found anywhere in the certificate's identity (unanchored, as in cosign): anchor it, e.g. '^https://github\\.com/org/'",
    },
    'certificate-oidc-issuer': { type: 'string', valueName: 'URL', description: "keyless: the certificate's OIDC issuer, matched exactly" },
    'certificate-oidc-issuer-regexp': { type: 'string', valueName: 'RE', description: "keyless: a regular expression found anywhere in the certificate's OIDC issuer (unanchored, as in cosign)" },
    'trusted-root': { type: 'string', valueName: 'FILE', defaultText: PUBLIC_GOOD_ROOT, description: 'trusted_root.json for keyless verification' },
    'insecure-ignore-tlog': { type: 'boolean', description: 'accept signatures without a transparency-log entry (as cosign spells it)' },
    'insecure-ignore-sct': { type: 'boolean', description: 'accept certificates without a certificate-transparency SCT (as cosign spells it)' },
    'tlog-threshold': { type: 'string', valueName: 'N', defaultText: '1 (0 with --insecure-ignore-tlog)', description: 'transparency-log entries each signature needs' },
    'timestamp-threshold': {
      type: 'string',
      valueName: 'N',
      defaultText: '1 (0 for a key with --insecure-ignore-tlog)',
      description: 'verified timestamps (log time or RFC 3161) each signature needs',
    },
    offline: { type: 'boolean', description: 'make no network request at all: a local layout only, trust from --trusted-root or the embedded root' },
  };
}

/** `--key` signs with a key; otherwise an identity token (flag, SIGSTORE_ID_TOKEN, CI) signs keyless. */
export async function signerFrom(
  values: Record<string, unknown>,
  io: CliIo,
  signing: Signing,
): Promise<{ signer: Signer; witnesses: Witness[]; keyId?: string; publicKey?: KeyObject; services: string[] }> {
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const config = text('signing-config') === undefined ? {} : signing.servicesFromSigningConfig(await readJsonFile(io, text('signing-config'), '--signing-config'));
  // A flag names a Rekor v1 log, as cosign's --rekor-url does; a v2 log comes from a signing config.
  const rekor = text('rekor-url') === undefined ? (config.rekor ?? { url: DEFAULT_REKOR_URL, version: 1 as const }) : { url: text('rekor-url') as string, version: 1 as const };
  const tsaURL = text('tsa-url') ?? config.tsaURL;
  // The services a signature will need, for a caller that checks them before it writes anything.
  const services = [...(values['tlog-upload'] === false ? [] : [rekor.url]), ...(tsaURL === undefined ? [] : [tsaURL])];
  const witnesses = signing.witnessesFor({
    ...(values['tlog-upload'] === false ? {} : { rekorURL: rekor.url, rekorVersion: rekor.version }),
    ...(tsaURL === undefined ? {} : { tsaURL }),
  });
  if (values.key !== undefined) {
    const privateKey = await signing.loadPrivateKey(await readKeyFile(io, values.key, '--key'), () => keyPassword(io, values['key-password-file']));
    return { signer: signing.keySigner(privateKey), witnesses, keyId: signing.keyId(privateKey), publicKey: createPublicKey(privateKey), services };
  }
  const provider = text('oidc-provider');
  if (provider !== undefined && !(signing.OIDC_PROVIDERS as readonly string[]).includes(provider)) {
    throw new UsageError(`--oidc-provider '${provider}': one of ${signing.OIDC_PROVIDERS.join(', ')}`);
  }
  const token = text('identity-token') ?? (await signing.ciIdentityToken(io.env, provider === undefined ? {} : { provider: provider as (typeof signing.OIDC_PROVIDERS)[number] }));
  if (token === undefined) throw new UsageError('sign with --key FILE, or keyless with --identity-token TOKEN (or SIGSTORE_ID_TOKEN, or in a CI job with an OIDC token)');
  const fulcioURL = text('fulcio-url') ?? config.fulcioURL ?? DEFAULT_FULCIO_URL;
  return { signer: signing.keylessSigner({ fulcioURL, identityToken: async () => token }), witnesses, services: [fulcioURL, ...services] };
}

/** `--key`, or a certificate identity and issuer (each exact or a regexp) against a trusted root. */
export async function verifyPolicyFrom(values: Record<string, unknown>, io: CliIo, signing: Verifying, predicateType: string | undefined): Promise<VerifyPolicy> {
  const common = { ignoreTlog: values['insecure-ignore-tlog'] === true, thresholds: thresholdsFrom(values), ...(predicateType === undefined ? {} : { predicateType }) };
  if (values.key !== undefined) return { publicKey: signing.loadPublicKey(await readKeyFile(io, values.key, '--key')), ...common };
  const identity = exactOrPattern(values, 'certificate-identity');
  const issuer = exactOrPattern(values, 'certificate-oidc-issuer');
  if (identity === undefined || issuer === undefined) {
    throw new UsageError('verify with --key FILE, or keyless with --certificate-identity (or -regexp) and --certificate-oidc-issuer (or -regexp)');
  }
  const rootFile = values['trusted-root'];
  const trustMaterial = rootFile === undefined ? signing.publicGoodTrustMaterial() : signing.trustMaterialFromJSON(await readJsonFile(io, rootFile, '--trusted-root'));
  return { identity, issuer, trustMaterial, ...common };
}

/**
 * `--offline` promises no socket at all: trust material never comes from the network here, so
 * what is left is the artifact itself, which must then be in a local layout.
 */
export function requireLocalWhenOffline(values: Record<string, unknown>, ref: Reference): void {
  if (values.offline === true && ref.kind !== 'layout') {
    throw new UsageError(
      `--offline verifies a local OCI layout (ocidir://…), not a registry reference: copy it with its evidence first (sealpack copy -r ${ref.registry}/${ref.repository} ocidir://DIR)`,
    );
  }
}

function exactOrPattern(values: Record<string, unknown>, flag: string): string | RegExp | undefined {
  const exact = values[flag];
  const pattern = values[`${flag}-regexp`];
  if (typeof exact === 'string' && typeof pattern === 'string') throw new UsageError(`--${flag} and --${flag}-regexp exclude each other`);
  if (typeof exact === 'string') return exact;
  if (typeof pattern !== 'string') return undefined;
  try {
    return new RegExp(pattern);
  } catch {
    throw new UsageError(`--${flag}-regexp '${pattern}' is not a regular expression`);
  }
}

function thresholdsFrom(values: Record<string, unknown>): Thresholds {
  const count = (flag: string): number | undefined => {
    const raw = values[flag];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (typeof raw !== 'string' || !/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new UsageError(`--${flag} '${String(raw)}': a whole number >= 0`);
    return n;
  };
  const tlog = count('tlog-threshold');
  const timestamp = count('timestamp-threshold');
  return {
    ...(tlog === undefined ? {} : { tlog }),
    ...(timestamp === undefined ? {} : { timestamp }),
    ...(values['insecure-ignore-sct'] === true ? { sct: 0 } : {}),
  };
}

/** cosign's order: COSIGN_PASSWORD, then (here) a file a flag names, then a prompt on a terminal. */
export async function keyPassword(io: CliIo, file: unknown, confirm = false): Promise<string> {
  if (typeof file === 'string') {
    const text = await readFile(resolve(io.cwd, file), 'utf8').catch(() => {
      throw new UsageError(`cannot read --key-password-file ${file}`);
    });
    return text.replace(/\r?\n$/, '');
  }
  if (io.env.COSIGN_PASSWORD !== undefined) return io.env.COSIGN_PASSWORD;
  if (io.stdin.isTTY !== true) throw new UsageError('the key needs a password: set COSIGN_PASSWORD or use --key-password-file FILE (no terminal to ask on)');
  const password = await readSecret(io, 'Enter password for private key: ');
  if (confirm && (await readSecret(io, 'Enter password for private key again: ')) !== password) throw new UsageError('the two passwords differ');
  return password;
}

export async function readKeyFile(io: CliIo, path: unknown, flag: string): Promise<string> {
  if (typeof path !== 'string') throw new UsageError(`${flag} FILE is required`);
  return readFile(resolve(io.cwd, path), 'utf8').catch(() => {
    throw new UsageError(`cannot read ${flag} ${path}: no such file or not readable`);
  });
}

export async function readJsonFile(io: CliIo, path: unknown, flag: string): Promise<unknown> {
  const text = await readKeyFile(io, path, flag);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`${flag} ${String(path)} is not JSON`);
  }
}
