import { access, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatReference, pinnedReference, referenceSelector, type Reference } from '@sealpack/oci-client';
import type { BundleVerdict, Signer, VerifyPolicy, Witness } from '@sealpack/signing';
import type { Command, OptionSpecs } from '../command.ts';
import { UsageError } from '../errors.ts';
import { parseRef } from '../global-options.ts';
import type { CliIo } from '../io.ts';
import type { Output } from '../output.ts';
import { readSecret } from '../read-secret.ts';

// sigstore-js is loaded by these commands only (import() below), so `sealpack --version` and the
// transport commands start as fast as before it was a dependency.
const loadSigning = () => import('@sealpack/signing');

const KEY_PASSWORD_OPTION = {
  'key-password-file': { type: 'string', valueName: 'FILE', description: "read the key's password from FILE (else COSIGN_PASSWORD, else a prompt on a terminal)" },
} as const satisfies OptionSpecs;

const DEFAULT_FULCIO_URL = 'https://fulcio.sigstore.dev';
const DEFAULT_REKOR_URL = 'https://rekor.sigstore.dev';

/** The key or keyless options of a command that signs (`sign`, `attest`); `what` names what it records. */
function signingKeyOptions(what: string): OptionSpecs {
  return {
    key: { type: 'string', valueName: 'FILE', description: 'private key: a cosign.key (encrypted) or a PEM PKCS#8 ECDSA P-256 key' },
    'identity-token': { type: 'string', valueName: 'TOKEN', description: 'sign keyless: an OIDC identity token for Fulcio (else SIGSTORE_ID_TOKEN)' },
    'fulcio-url': { type: 'string', valueName: 'URL', defaultText: DEFAULT_FULCIO_URL, description: 'Fulcio to certify a keyless signing key' },
    'rekor-url': { type: 'string', valueName: 'URL', defaultText: DEFAULT_REKOR_URL, description: `transparency log to record the ${what} in` },
    'tsa-url': { type: 'string', valueName: 'URL', description: 'RFC 3161 timestamp authority to timestamp it (none by default)' },
    'tlog-upload': { type: 'boolean', defaultText: 'true (as cosign)', description: `record the ${what} in the transparency log; =false signs with no network` },
    ...KEY_PASSWORD_OPTION,
  };
}

/** The key or identity options of a command that verifies (`verify`, `verify-attestation`). */
function verifyingKeyOptions(what: string): OptionSpecs {
  return {
    key: { type: 'string', valueName: 'FILE', description: `public key the ${what} must verify with (cosign.pub, PEM)` },
    'certificate-identity': { type: 'string', valueName: 'ID', description: "keyless: the signing certificate's identity (SAN), matched exactly" },
    'certificate-identity-regexp': { type: 'string', valueName: 'RE', description: "keyless: a regular expression the certificate's identity must match" },
    'certificate-oidc-issuer': { type: 'string', valueName: 'URL', description: "keyless: the certificate's OIDC issuer, matched exactly" },
    'trusted-root': { type: 'string', valueName: 'FILE', defaultText: 'the Sigstore public-good root embedded in @sigstore/tuf', description: 'trusted_root.json for keyless verification' },
    'insecure-ignore-tlog': { type: 'boolean', description: 'accept signatures without a transparency-log entry (as cosign spells it)' },
  };
}

type Signing = Awaited<ReturnType<typeof loadSigning>>;

/** `--key` signs with a key; otherwise an identity token (flag or SIGSTORE_ID_TOKEN) signs keyless. */
async function signerFrom(values: Record<string, unknown>, io: CliIo, signing: Signing): Promise<{ signer: Signer; witnesses: Witness[]; keyId?: string }> {
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const witnesses = signing.witnessesFor({
    ...(values['tlog-upload'] === false ? {} : { rekorURL: text('rekor-url') ?? DEFAULT_REKOR_URL }),
    ...(text('tsa-url') === undefined ? {} : { tsaURL: text('tsa-url') as string }),
  });
  if (values.key !== undefined) {
    const privateKey = await signing.loadPrivateKey(await readKeyFile(io, values.key, '--key'), () => keyPassword(io, values['key-password-file']));
    return { signer: signing.keySigner(privateKey), witnesses, keyId: signing.keyId(privateKey) };
  }
  const token = text('identity-token') ?? io.env.SIGSTORE_ID_TOKEN;
  if (token === undefined) throw new UsageError('sign with --key FILE, or keyless with --identity-token TOKEN (or SIGSTORE_ID_TOKEN)');
  return { signer: signing.keylessSigner({ fulcioURL: text('fulcio-url') ?? DEFAULT_FULCIO_URL, identityToken: async () => token }), witnesses };
}

/** `--key`, or a certificate identity (exact or regexp) with its issuer against a trusted root. */
async function verifyPolicyFrom(values: Record<string, unknown>, io: CliIo, signing: Signing, predicateType: string | undefined): Promise<VerifyPolicy> {
  const common = { ignoreTlog: values['insecure-ignore-tlog'] === true, ...(predicateType === undefined ? {} : { predicateType }) };
  if (values.key !== undefined) return { publicKey: signing.loadPublicKey(await readKeyFile(io, values.key, '--key')), ...common };
  const exact = values['certificate-identity'];
  const pattern = values['certificate-identity-regexp'];
  const issuer = values['certificate-oidc-issuer'];
  if ((typeof exact !== 'string' && typeof pattern !== 'string') || typeof issuer !== 'string') {
    throw new UsageError('verify with --key FILE, or keyless with --certificate-identity (or -regexp) and --certificate-oidc-issuer');
  }
  let identity: string | RegExp;
  try {
    identity = typeof exact === 'string' ? exact : new RegExp(pattern as string);
  } catch {
    throw new UsageError(`--certificate-identity-regexp '${String(pattern)}' is not a regular expression`);
  }
  const rootFile = values['trusted-root'];
  const trustMaterial = rootFile === undefined ? signing.publicGoodTrustMaterial() : signing.trustMaterialFromJSON(JSON.parse(await readKeyFile(io, rootFile, '--trusted-root')) as unknown);
  return { identity, issuer, trustMaterial, ...common };
}

/** cosign's order: COSIGN_PASSWORD, then (here) a file a flag names, then a prompt on a terminal. */
async function keyPassword(io: CliIo, file: unknown, confirm = false): Promise<string> {
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

async function readKeyFile(io: CliIo, path: unknown, flag: string): Promise<string> {
  if (typeof path !== 'string') throw new UsageError(`${flag} FILE is required`);
  return readFile(resolve(io.cwd, path), 'utf8').catch(() => {
    throw new UsageError(`cannot read ${flag} ${path}: no such file or not readable`);
  });
}

/** The name a statement gives its subject: the repository, as cosign names it. */
function subjectName(ref: Reference): string {
  return formatReference({ ...ref, tag: undefined, digest: undefined }).replace(/^oci:\/\//, '');
}

export const generateKeyPairCommand: Command = {
  path: ['generate-key-pair'],
  usage: 'sealpack generate-key-pair [--output-key-prefix NAME]',
  operands: 0,
  summary: 'write an encrypted ECDSA P-256 key pair cosign can use: NAME.key and NAME.pub',
  options: {
    'output-key-prefix': { type: 'string', valueName: 'NAME', defaultText: 'cosign', description: 'file name of the key pair, without .key/.pub' },
    ...KEY_PASSWORD_OPTION,
  },
  async run({ values, io, out }) {
    const prefix = typeof values['output-key-prefix'] === 'string' ? values['output-key-prefix'] : 'cosign';
    const keyPath = resolve(io.cwd, `${prefix}.key`);
    const pubPath = resolve(io.cwd, `${prefix}.pub`);
    for (const path of [keyPath, pubPath]) {
      if (
        await access(path).then(
          () => true,
          () => false,
        )
      )
        throw new UsageError(`${path} exists: refusing to overwrite a key`);
    }
    const password = await keyPassword(io, values['key-password-file'], true);
    const { generateCosignKeyPair } = await loadSigning();
    const pair = await generateCosignKeyPair(password);
    // `wx`: a key file that appeared meanwhile is not overwritten either.
    await writeFile(keyPath, pair.privateKeyFile, { flag: 'wx', mode: 0o600 });
    await writeFile(pubPath, pair.publicKeyFile, { flag: 'wx' });
    if (out.options.json) out.json({ privateKey: keyPath, publicKey: pubPath });
    else out.result(`Private key written to ${keyPath}\nPublic key written to ${pubPath}`, pubPath);
  },
};

export const signCommand: Command = {
  path: ['sign'],
  usage: 'sealpack sign REF (--key FILE | --identity-token TOKEN [--fulcio-url U]) [--rekor-url U] [--tsa-url U] [--tlog-upload=false]',
  operands: 1,
  summary: "sign an artifact's manifest digest, with a key or keyless, attached as a Sigstore bundle referrer (cosign v3 layout)",
  options: signingKeyOptions('signature'),
  async run({ values, positionals, io, out, open }) {
    const ref = parseRef(positionals[0]);
    const signing = await loadSigning();
    const { signer, witnesses, keyId } = await signerFrom(values, io, signing);
    const target = await open(ref);
    const subject = await target.resolve(referenceSelector(ref) ?? 'latest');
    const signed = await signing.signManifest(target, subject, { signer, witnesses, subjectName: subjectName(ref) });
    const pinned = pinnedReference(ref, signed.referrer.digest);
    if (out.options.json) out.json({ reference: pinnedReference(ref, subject.digest), digest: subject.digest, signature: pinned, ...(keyId === undefined ? {} : { keyId }) });
    else out.result(`Signed ${pinnedReference(ref, subject.digest)}\nSignature ${pinned}`, pinned);
  },
};

export const verifyCommand: Command = {
  path: ['verify'],
  usage: 'sealpack verify REF (--key FILE | --certificate-identity[-regexp] X --certificate-oidc-issuer Y [--trusted-root F]) [--insecure-ignore-tlog]',
  operands: 1,
  summary: 'verify the signatures attached to an artifact (exit 1 unless at least one is valid)',
  options: verifyingKeyOptions('signature'),
  async run({ values, positionals, io, out, open }) {
    const ref = parseRef(positionals[0]);
    const signing = await loadSigning();
    const policy = await verifyPolicyFrom(values, io, signing, undefined);
    const target = await open(ref);
    const subject = await target.resolve(referenceSelector(ref) ?? 'latest');
    const verdicts = await signing.verifyAttached(target, subject, policy);
    const pinned = pinnedReference(ref, subject.digest);
    requireOneValid(out, signing, verdicts, {
      none: `no signatures attached to ${pinned}`,
      noneValid: (count, reason) => `none of the ${count} signature(s) attached to ${pinned} verifies (${reason})`,
    });
    if (out.options.json) {
      out.json({
        reference: pinned,
        digest: subject.digest,
        verified: true,
        signatures: verdicts.map((v) => ({
          referrer: v.referrer.digest,
          valid: v.valid,
          ...(v.keyId === undefined ? {} : { keyId: v.keyId }),
          ...(v.identity === undefined ? {} : { identity: v.identity, issuer: v.issuer }),
          ...(v.reason === undefined ? {} : { reason: v.reason }),
        })),
      });
      return;
    }
    out.result(`Verified ${pinned}`, pinned);
  },
};

/** sigstore-conformance's `verify-bundle` protocol: a bundle, an artifact (path or `sha256:` digest), a key or an identity. */
export const conformanceVerifyBundleCommand: Command = {
  path: ['conformance', 'verify-bundle'],
  usage: 'sealpack conformance verify-bundle --bundle FILE (--key FILE | --certificate-identity I --certificate-oidc-issuer O) [--trusted-root FILE] FILE|sha256:HEX',
  operands: 1,
  summary: 'verify one Sigstore bundle as the sigstore-conformance suite asks (exit 0 verified, 1 not)',
  options: {
    bundle: { type: 'string', valueName: 'FILE', description: 'the Sigstore bundle (JSON)' },
    key: { type: 'string', valueName: 'FILE', description: 'PEM public key to verify with instead of a certificate identity' },
    'certificate-identity': { type: 'string', valueName: 'I', description: "the signing certificate's identity (SAN), matched exactly" },
    'certificate-oidc-issuer': { type: 'string', valueName: 'O', description: "the signing certificate's OIDC issuer, matched exactly" },
    'trusted-root': { type: 'string', valueName: 'FILE', defaultText: 'the Sigstore public-good root embedded in @sigstore/tuf', description: 'trusted_root.json to verify against' },
  },
  async run({ values, positionals, io, out }) {
    const target = positionals[0];
    if (target === undefined) throw new UsageError('verify-bundle needs the artifact: a FILE or sha256:HEX');
    const bundleText = await readKeyFile(io, values.bundle, '--bundle');
    const signing = await loadSigning();
    const digest = /^sha256:[a-f0-9]{64}$/.test(target) ? target : undefined;
    const artifact =
      digest !== undefined
        ? { digest: digest as `sha256:${string}` }
        : {
            bytes: await readFile(resolve(io.cwd, target)).catch(() => {
              throw new UsageError(`cannot read the artifact ${target}`);
            }),
          };
    const trustedRoot = typeof values['trusted-root'] === 'string' ? (JSON.parse(await readKeyFile(io, values['trusted-root'], '--trusted-root')) as unknown) : undefined;
    const key = typeof values.key === 'string' ? await readKeyFile(io, values.key, '--key') : undefined;
    let bundle: unknown;
    try {
      bundle = JSON.parse(bundleText);
    } catch {
      throw new signing.SigningError('INVALID_BUNDLE', 'the bundle is not JSON');
    }
    signing.checkBundle({
      bundle,
      artifact,
      ...(key === undefined ? {} : { key }),
      ...(typeof values['certificate-identity'] === 'string' ? { identity: values['certificate-identity'] } : {}),
      ...(typeof values['certificate-oidc-issuer'] === 'string' ? { issuer: values['certificate-oidc-issuer'] } : {}),
      ...(trustedRoot === undefined ? {} : { trustedRoot }),
    });
    if (out.options.json) out.json({ verified: true });
    else out.detail('OK');
  },
};

const TYPE_OPTION = { type: 'string', valueName: 'T', description: 'prov, spdx, cyclonedx, slsaprovenance (v0.2), slsaprovenance1, custom, or a predicate type URI' } as const;

/** `--type`: cosign's names (prov, spdx, cyclonedx, slsaprovenance, …) or a predicate type URI. */
function predicateTypeOf(type: unknown, known: Readonly<Record<string, string>>): string {
  if (typeof type !== 'string') throw new UsageError('--type is required: prov, spdx, cyclonedx, slsaprovenance, slsaprovenance1, custom or a URI');
  const mapped = known[type];
  if (mapped !== undefined) return mapped;
  if (/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(type)) return type;
  throw new UsageError(`--type '${type}': not one of ${Object.keys(known).join(', ')}, nor a URI`);
}

export const attestCommand: Command = {
  path: ['attest'],
  usage: 'sealpack attest REF --predicate FILE --type T (--key FILE | --identity-token TOKEN) [--rekor-url U] [--tlog-upload=false]',
  operands: 1,
  summary: 'attest an artifact with a predicate (PROV, SPDX, CycloneDX, SLSA, custom), attached as a Sigstore bundle referrer',
  options: {
    predicate: { type: 'string', valueName: 'FILE', description: 'the predicate document (JSON)' },
    type: TYPE_OPTION,
    'detach-threshold': { type: 'string', valueName: 'BYTES', defaultText: '4194304', description: 'a predicate larger than this travels beside the statement, which names its digest' },
    ...signingKeyOptions('attestation'),
  },
  async run({ values, positionals, io, out, open }) {
    const ref = parseRef(positionals[0]);
    const signing = await loadSigning();
    const predicateType = predicateTypeOf(values.type, signing.PREDICATE_TYPES);
    const predicate = Buffer.from(await readKeyFile(io, values.predicate, '--predicate'));
    try {
      JSON.parse(predicate.toString('utf8'));
    } catch {
      throw new UsageError(`--predicate ${String(values.predicate)} is not JSON`);
    }
    const threshold = values['detach-threshold'] === undefined ? undefined : Number(values['detach-threshold']);
    if (threshold !== undefined && (!Number.isInteger(threshold) || threshold < 0)) throw new UsageError(`--detach-threshold '${String(values['detach-threshold'])}': a whole number of bytes`);
    const { signer, witnesses } = await signerFrom(values, io, signing);
    const target = await open(ref);
    const subject = await target.resolve(referenceSelector(ref) ?? 'latest');
    const attested = await signing.attestManifest(target, subject, {
      signer,
      witnesses,
      subjectName: subjectName(ref),
      predicateType,
      predicate,
      ...(threshold === undefined ? {} : { detachThreshold: threshold }),
    });
    const pinned = pinnedReference(ref, attested.referrer.digest);
    if (out.options.json) out.json({ reference: pinnedReference(ref, subject.digest), digest: subject.digest, attestation: pinned, predicateType, detached: attested.detached });
    else out.result(`Attested ${pinnedReference(ref, subject.digest)} (${predicateType}${attested.detached ? ', predicate beside the statement' : ''})\nAttestation ${pinned}`, pinned);
  },
};

export const verifyAttestationCommand: Command = {
  path: ['verify-attestation'],
  usage: 'sealpack verify-attestation REF --type T (--key FILE | --certificate-identity[-regexp] X --certificate-oidc-issuer Y [--trusted-root F]) [--insecure-ignore-tlog]',
  operands: 1,
  summary: 'verify the attestations of one predicate type attached to an artifact (exit 1 unless one is valid)',
  options: { type: TYPE_OPTION, ...verifyingKeyOptions('attestation') },
  async run({ values, positionals, io, out, open }) {
    const ref = parseRef(positionals[0]);
    const signing = await loadSigning();
    const predicateType = predicateTypeOf(values.type, signing.PREDICATE_TYPES);
    const policy = await verifyPolicyFrom(values, io, signing, predicateType);
    const target = await open(ref);
    const subject = await target.resolve(referenceSelector(ref) ?? 'latest');
    const verdicts = await signing.verifyAttached(target, subject, policy);
    const pinned = pinnedReference(ref, subject.digest);
    requireOneValid(out, signing, verdicts, {
      none: `no ${predicateType} attestation attached to ${pinned}`,
      noneValid: (count, reason) => `none of the ${count} ${predicateType} attestation(s) of ${pinned} verifies (${reason})`,
    });
    if (out.options.json) {
      out.json({
        reference: pinned,
        digest: subject.digest,
        predicateType,
        attestations: verdicts.map((v) => ({
          referrer: v.referrer.digest,
          valid: v.valid,
          ...(v.valid ? { keyId: v.keyId, identity: v.identity, issuer: v.issuer, predicate: v.predicate } : { reason: v.reason }),
        })),
      });
      return;
    }
    out.result(`Verified ${predicateType} attestation of ${pinned}`, pinned);
  },
};

/**
 * Each bundle's verdict as a line for people; when none is valid, the command ends with one line
 * saying why (NO_SIGNATURES, exit 1). Shared by `verify` and `verify-attestation`.
 */
function requireOneValid(out: Output, signing: Signing, verdicts: readonly BundleVerdict[], messages: { none: string; noneValid: (count: number, firstReason: string) => string }): void {
  for (const v of verdicts) out.detail(`${v.valid ? 'valid  ' : 'INVALID'}  ${v.referrer.digest}  ${v.valid ? signedBy(v) : v.reason}`);
  if (verdicts.some((v) => v.valid)) return;
  throw new signing.SigningError('NO_SIGNATURES', verdicts.length === 0 ? messages.none : messages.noneValid(verdicts.length, verdicts[0]?.reason ?? ''));
}

/** Who signed, as a verdict line says it: the key's id, or the certificate's identity and issuer. */
function signedBy(verdict: { keyId?: string; identity?: string; issuer?: string }): string {
  return verdict.keyId !== undefined ? `key ${verdict.keyId}` : `identity ${verdict.identity ?? '?'} (issuer ${verdict.issuer ?? '?'})`;
}
