import { access, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pinnedReference, pullArtifact, referenceSelector } from '@sealpack/oci-client';
import type { BundleVerdict } from '@sealpack/signing/verify';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { inputOpener } from '../input-sensitivity.ts';
import { readPolicyFile } from '../policy-file.ts';
import { parseRef, repositoryName } from '../global-options.ts';
import type { CliIo } from '../io.ts';
import type { Output } from '../output.ts';
import {
  KEY_PASSWORD_OPTION,
  keyPassword,
  loadSigning,
  readJsonFile,
  readKeyFile,
  requireLocalWhenOffline,
  type Verifying,
  loadVerifying,
  signerFrom,
  signingKeyOptions,
  verifyingKeyOptions,
  verifyPolicyFrom,
} from './signing-options.ts';

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
    const { generateCosignKeyPair, keyId } = await loadSigning();
    const pair = await generateCosignKeyPair(password);
    // `wx`: a key file that appeared meanwhile is not overwritten either.
    await writeFile(keyPath, pair.privateKeyFile, { flag: 'wx', mode: 0o600 });
    await writeFile(pubPath, pair.publicKeyFile, { flag: 'wx' });
    // The id policies name the key by (`signers: [{ keyId }]`), as verdicts print it.
    const id = keyId(pair.privateKey);
    if (out.options.json) out.json({ privateKey: keyPath, publicKey: pubPath, keyId: id });
    else out.result(`Private key written to ${keyPath}\nPublic key written to ${pubPath}\nKey id ${id}`, pubPath);
  },
};

export const signCommand: Command = {
  path: ['sign'],
  usage: 'sealpack sign REF (--key FILE | [--identity-token TOKEN] [--fulcio-url U]) [--signing-config F] [--rekor-url U] [--tsa-url U] [--tlog-upload=false]',
  operands: 1,
  summary: "sign an artifact's manifest digest, with a key or keyless, attached as a Sigstore bundle referrer (cosign v3 layout)",
  options: signingKeyOptions('signature'),
  async run({ values, positionals, io, out, open }) {
    const ref = parseRef(positionals[0]);
    const signing = await loadSigning();
    const { signer, witnesses, keyId } = await signerFrom(values, io, signing);
    const target = await open(ref);
    const subject = await target.resolve(referenceSelector(ref) ?? 'latest');
    const signed = await signing.signManifest(target, subject, { signer, witnesses, subjectName: repositoryName(ref), legacyTags: values['legacy-tags'] === true });
    const pinned = pinnedReference(ref, signed.referrer.digest);
    const legacy = signed.legacy === undefined ? undefined : pinnedReference(ref, signed.legacy.digest);
    if (out.options.json)
      out.json({
        reference: pinnedReference(ref, subject.digest),
        digest: subject.digest,
        signature: pinned,
        ...(legacy === undefined ? {} : { legacySignature: legacy }),
        ...(keyId === undefined ? {} : { keyId }),
      });
    else out.result(`Signed ${pinnedReference(ref, subject.digest)}\nSignature ${pinned}${legacy === undefined ? '' : `\ncosign v2 tag ${legacy}`}`, pinned);
  },
};

export const verifyCommand: Command = {
  path: ['verify'],
  usage:
    'sealpack verify REF (--key FILE | --certificate-identity[-regexp] X --certificate-oidc-issuer[-regexp] Y [--trusted-root F]) [--insecure-ignore-tlog] [--offline] [--policy FILE [--env ENV]] [--pull DIR [--overwrite]]',
  operands: 1,
  summary: 'verify the signatures attached to an artifact, and with --policy its whole evidence; --pull then writes its files (exit 1 on any failure, and nothing written then)',
  options: {
    ...verifyingKeyOptions('signature'),
    policy: { type: 'string', valueName: 'FILE', description: 'also evaluate this policy on the artifact’s evidence (signatures, attestations, labels)' },
    env: { type: 'string', valueName: 'ENV', description: 'the policy environment to evaluate' },
    pull: { type: 'string', valueName: 'DIR', description: 'once everything verifies, pull the files by digest into DIR as pull does' },
    overwrite: { type: 'boolean', description: 'with --pull: replace files that exist with other content, as pull --overwrite' },
  },
  async run({ values, positionals, io, out, open }) {
    const ref = parseRef(positionals[0]);
    requireLocalWhenOffline(values, ref);
    const signing = await loadVerifying();
    const { PREDICATE } = await import('@sealpack/provenance/statement');
    const policy = await verifyPolicyFrom(values, io, signing, undefined);
    if (values.env !== undefined && typeof values.policy !== 'string') throw new UsageError('--env names an environment of a policy: give --policy FILE too');
    if (values.overwrite === true && typeof values.pull !== 'string') throw new UsageError('--overwrite replaces files that --pull writes: give --pull DIR too');
    // A bad policy file is found before any request: exit 2, never a pass.
    const gate = typeof values.policy === 'string' ? await loadGate(io, values.policy, typeof values.env === 'string' ? values.env : undefined) : undefined;
    const target = await open(ref);
    const subject = await target.resolve(referenceSelector(ref) ?? 'latest');
    const pinned = pinnedReference(ref, subject.digest);
    // The library's verify: a valid signature and no verified revocation; each verdict shown either way.
    const verdicts = await signing.verifyArtifact(target, subject, policy).then(
      (verified) => {
        showVerdicts(out, verified.signatures);
        return verified.signatures;
      },
      (error: unknown) => {
        if (!(error instanceof signing.SigningError)) throw error;
        const signatures = error.verdicts.filter((v) => v.predicateType === PREDICATE.cosignSign || v.predicateType === undefined);
        showVerdicts(out, signatures);
        // cosign's hint: a signature made with --tlog-upload=false has no log entry to count.
        if (error.code === 'NO_SIGNATURES' && policy.ignoreTlog !== true && signatures.some((v) => /timestamps?, got 0|tlog|transparency/i.test(v.reason ?? ''))) {
          throw new signing.SigningError('NO_SIGNATURES', `${error.message}; if it was signed without a transparency log (--tlog-upload=false), verify with --insecure-ignore-tlog`, {
            verdicts: error.verdicts,
          });
        }
        throw error;
      },
    );
    let decision: import('@sealpack/policy').Decision | undefined;
    if (gate !== undefined) {
      const judged = await gate.module.judgeArtifact(target, subject, {
        reference: positionals[0] as string,
        pinned: ref.digest !== undefined,
        verifyPolicy: policy,
        policy: gate.policy,
        ...(gate.environment === undefined ? {} : { environment: gate.environment }),
        openInput: inputOpener({ open }),
      });
      decision = judged.decision;
      if (!out.options.json) out.text(`${gate.module.decisionTable(decision)}\n`);
      if (!judged.allow) throw new gate.module.PolicyError('POLICY_DENIED', `policy ${decision.policy} denies ${subject.digest}: ${judged.reasons.join('; ')}`);
    }
    // The library's one pull path: every destination checked before the first file lands, all or nothing.
    const pulled = typeof values.pull === 'string' ? await pullArtifact(target, subject.digest, resolve(io.cwd, values.pull), { overwrite: values.overwrite === true }) : undefined;
    if (out.options.json) {
      out.json({
        reference: pinned,
        digest: subject.digest,
        verified: true,
        signatures: verdicts.map((v) => ({
          referrer: v.referrer.digest,
          valid: v.valid,
          ...witnessFields(v),
          ...(v.reason === undefined ? {} : { reason: v.reason }),
        })),
        ...(decision === undefined ? {} : { decision }),
        ...(pulled === undefined ? {} : { pulled: pulled.files.map((f) => ({ path: f.path, digest: f.descriptor.digest })) }),
      });
      return;
    }
    if (pulled !== undefined) out.detail(`pulled ${pulled.files.length} file(s) into ${resolve(io.cwd, values.pull as string)}`);
    out.result(`Verified ${pinned}`, pinned);
  },
};

async function loadGate(io: CliIo, file: string, environment: string | undefined) {
  const { gate, policy } = await readPolicyFile(resolve(io.cwd, file), file, `cannot read --policy ${file}`);
  gate.compilePolicy(policy, environment);
  return { module: gate, policy, environment };
}

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
    const trustedRoot = typeof values['trusted-root'] === 'string' ? await readJsonFile(io, values['trusted-root'], '--trusted-root') : undefined;
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
  usage: 'sealpack attest REF --predicate FILE --type T (--key FILE | [--identity-token TOKEN]) [--signing-config F] [--rekor-url U] [--tsa-url U] [--tlog-upload=false]',
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
      subjectName: repositoryName(ref),
      predicateType,
      predicate,
      ...(threshold === undefined ? {} : { detachThreshold: threshold }),
      legacyTags: values['legacy-tags'] === true,
    });
    const pinned = pinnedReference(ref, attested.referrer.digest);
    const legacy = attested.legacy === undefined ? undefined : pinnedReference(ref, attested.legacy.digest);
    if (out.options.json) {
      out.json({
        reference: pinnedReference(ref, subject.digest),
        digest: subject.digest,
        attestation: pinned,
        predicateType,
        detached: attested.detached,
        ...(legacy === undefined ? {} : { legacyAttestation: legacy }),
      });
    } else {
      const detachedNote = attested.detached ? ', predicate beside the statement' : '';
      out.result(`Attested ${pinnedReference(ref, subject.digest)} (${predicateType}${detachedNote})\nAttestation ${pinned}${legacy === undefined ? '' : `\ncosign v2 tag ${legacy}`}`, pinned);
    }
  },
};

export const verifyAttestationCommand: Command = {
  path: ['verify-attestation'],
  usage: 'sealpack verify-attestation REF --type T (--key FILE | --certificate-identity[-regexp] X --certificate-oidc-issuer[-regexp] Y [--trusted-root F]) [--insecure-ignore-tlog] [--offline]',
  operands: 1,
  summary: 'verify the attestations of one predicate type attached to an artifact (exit 1 unless one is valid)',
  options: { type: TYPE_OPTION, ...verifyingKeyOptions('attestation') },
  async run({ values, positionals, io, out, open }) {
    const ref = parseRef(positionals[0]);
    requireLocalWhenOffline(values, ref);
    const signing = await loadVerifying();
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
          ...witnessFields(v),
          ...(v.valid ? { predicate: v.predicate } : { reason: v.reason }),
        })),
      });
      return;
    }
    out.result(`Verified ${predicateType} attestation of ${pinned}`, pinned);
  },
};

/** Each bundle's verdict as a line for people. */
function showVerdicts(out: Output, verdicts: readonly BundleVerdict[]): void {
  for (const v of verdicts)
    out.detail(`${v.valid ? 'valid  ' : 'INVALID'}  ${v.referrer.digest}  ${v.valid ? signedBy(v) : `${v.reason ?? ''}${v.legacyTag === undefined ? '' : ` (cosign v2 tag ${v.legacyTag})`}`}`);
}

/**
 * Each bundle's verdict as a line for people; when none is valid, the command ends with one line
 * saying why (NO_SIGNATURES, exit 1).
 */
function requireOneValid(out: Output, signing: Verifying, verdicts: readonly BundleVerdict[], messages: { none: string; noneValid: (count: number, firstReason: string) => string }): void {
  showVerdicts(out, verdicts);
  if (verdicts.some((v) => v.valid)) return;
  throw new signing.SigningError('NO_SIGNATURES', verdicts.length === 0 ? messages.none : messages.noneValid(verdicts.length, verdicts[0]?.reason ?? ''));
}

/** Who signed and what witnessed it, as a verdict line says it. */
function signedBy(verdict: BundleVerdict): string {
  const who = verdict.keyId !== undefined ? `key ${verdict.keyId}` : `identity ${verdict.identity ?? '?'} (issuer ${verdict.issuer ?? '?'})`;
  const logged = verdict.tlogIndex === undefined ? '' : `, tlog index ${verdict.tlogIndex}`;
  const legacy = verdict.legacyTag === undefined ? '' : `, under cosign v2 tag ${verdict.legacyTag}`;
  return `${who}${logged}${verdict.signedAt === undefined ? '' : `, signed by ${verdict.signedAt}`}${legacy}`;
}

/** Who signed a bundle and when, and where it was found: the verdict's fields that say so. */
export type VerdictWitness = Partial<Pick<BundleVerdict, 'keyId' | 'identity' | 'issuer' | 'tlogIndex' | 'signedAt' | 'legacyTag'>>;

/** A verdict's who and when for --json and the viewer: only the fields it has. */
export function witnessFields(v: BundleVerdict): VerdictWitness {
  const fields: Record<string, string | undefined> = { keyId: v.keyId, identity: v.identity, issuer: v.issuer, tlogIndex: v.tlogIndex, signedAt: v.signedAt, legacyTag: v.legacyTag };
  return Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

export const revokeCommand: Command = {
  path: ['revoke'],
  usage: 'sealpack revoke REF --reason TEXT (--key FILE | keyless flags)',
  operands: 1,
  summary: 'withdraw an artifact: a signed revocation attached as a referrer; verify, policy check and promote then refuse it',
  options: {
    reason: { type: 'string', valueName: 'TEXT', description: 'why it is withdrawn (shown to everyone who verifies it)' },
    ...signingKeyOptions('revocation'),
  },
  async run({ values, positionals, io, out, open }) {
    const ref = parseRef(positionals[0]);
    if (typeof values.reason !== 'string' || values.reason.trim() === '') throw new UsageError('revoke needs --reason TEXT: a revocation says why');
    const signing = await loadSigning();
    const { PREDICATE } = await import('@sealpack/provenance/statement');
    const { signer, witnesses } = await signerFrom(values, io, signing);
    const target = await open(ref);
    const subject = await target.resolve(referenceSelector(ref) ?? 'latest');
    const revokedAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const attested = await signing.attestManifest(target, subject, {
      signer,
      witnesses,
      subjectName: repositoryName(ref),
      predicateType: PREDICATE.revocation,
      predicate: new TextEncoder().encode(JSON.stringify({ reason: values.reason, revokedAt })),
    });
    const pinned = pinnedReference(ref, attested.referrer.digest);
    if (out.options.json) out.json({ reference: pinnedReference(ref, subject.digest), revocation: pinned, reason: values.reason, revokedAt });
    else out.result(`Revoked ${pinnedReference(ref, subject.digest)}: ${values.reason}\nRevocation ${pinned}`, pinned);
  },
};
