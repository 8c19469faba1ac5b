import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { p256, p384 } from '@noble/curves/nist.js';
import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { toSignedEntity, Verifier, type SignedEntity } from '@sigstore/verify';
import { SigningError } from './errors.ts';
import { exactly } from './identity.ts';
import { IN_TOTO_PAYLOAD_TYPE, statementNames } from '@sealpack/provenance/statement';
import { signedStatement } from './signed-statement.ts';
import { publicGoodTrustMaterial, trustMaterialFromJSON } from './trust.ts';
import type { Digest } from '@sealpack/oci-client';

/** One verification as the sigstore-conformance suite asks for it (its `verify-bundle` protocol). */
export interface BundleCheck {
  bundle: unknown;
  /** The artifact's bytes, or only its `sha256:` digest. */
  artifact: { bytes: Buffer } | { digest: Digest };
  /** A PEM public key: verify with it instead of a certificate identity. */
  key?: string;
  identity?: string;
  issuer?: string;
  /** A custom `trusted_root.json`; default the public-good root embedded in @sigstore/tuf. */
  trustedRoot?: unknown;
}

type SignatureContent = SignedEntity['signature'];

/**
 * A message signature checked against the artifact's digest alone. Node's crypto signs and
 * verifies messages, not digests; @noble/curves verifies an ECDSA signature over a given hash.
 */
function digestSignatureContent(signature: Buffer, messageDigest: Buffer, digestHex: string): SignatureContent {
  const given = Buffer.from(digestHex, 'hex');
  return {
    signature,
    compareSignature: (other) => other.equals(signature),
    compareDigest: (other) => other.equals(messageDigest) && other.equals(given),
    compareSignedDigest: (other) => other.equals(messageDigest) && other.equals(given),
    verifySignature: (key: KeyObject) => {
      const curve = key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? p384 : key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? p256 : undefined;
      if (curve === undefined) return false;
      const raw = (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'der', type: 'spki' });
      // The uncompressed point is the tail of the SPKI (ends with 0x04 || X || Y).
      const point = raw.subarray(raw.byteLength - (curve === p256 ? 65 : 97));
      return curve.verify(signature, given, point, { prehash: false, lowS: false, format: 'der' });
    },
  };
}

function artifactDigestHex(artifact: BundleCheck['artifact']): string {
  return 'bytes' in artifact ? createHash('sha256').update(artifact.bytes).digest('hex') : artifact.digest.slice('sha256:'.length);
}

/**
 * Verifies one bundle as the conformance suite means it; throws with the reason when it does not
 * verify. On top of sigstore-js: a DSSE in-toto statement must name the artifact's digest.
 */
export function checkBundle(check: BundleCheck): void {
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(check.bundle);
  } catch (cause) {
    throw new SigningError('INVALID_BUNDLE', `not a Sigstore bundle: ${(cause as Error).message}`, { cause });
  }
  const trust = check.trustedRoot === undefined ? publicGoodTrustMaterial() : trustMaterialFromJSON(check.trustedRoot);
  if (check.key !== undefined) {
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey(check.key);
    } catch (cause) {
      throw new SigningError('INVALID_KEY', 'the key is not a PEM public key', { cause });
    }
    trust.publicKey = () => ({ publicKey, validFor: () => true });
  }
  const hex = artifactDigestHex(check.artifact);
  let entity: SignedEntity;
  try {
    entity = 'bytes' in check.artifact ? toSignedEntity(bundle, check.artifact.bytes) : toSignedEntity(bundle);
  } catch (cause) {
    throw new SigningError('INVALID_BUNDLE', `the bundle cannot be read for verification: ${(cause as Error).message}`, { cause });
  }
  if (bundle.content.$case === 'messageSignature' && !('bytes' in check.artifact)) {
    const { signature, messageDigest } = bundle.content.messageSignature;
    entity = { ...entity, signature: digestSignatureContent(signature, messageDigest.digest, hex) };
  }
  // sigstore-js reads a string SAN as an unanchored regular expression (so 'a@b.c' would also pass
  // 'xa@bxc.evil'); an identity is exact, as cosign's --certificate-identity is.
  const policy = check.key !== undefined ? undefined : { subjectAlternativeName: exactly(check.identity ?? ''), extensions: { issuer: check.issuer ?? '' } };
  if (check.key === undefined && (check.identity === undefined || check.issuer === undefined)) {
    throw new SigningError('INVALID_KEY', 'a key, or a certificate identity and issuer, is needed to verify');
  }
  try {
    new Verifier(trust).verify(entity, policy);
  } catch (cause) {
    throw new SigningError('SIGNATURE_INVALID', `does not verify: ${(cause as Error).message}`, { cause });
  }
  if (bundle.content.$case === 'dsseEnvelope' && bundle.content.dsseEnvelope.payloadType === IN_TOTO_PAYLOAD_TYPE) {
    const statement = signedStatement(bundle.content.dsseEnvelope.payload);
    if (!statementNames(statement, `sha256:${hex}`)) throw new SigningError('SUBJECT_MISMATCH', 'the in-toto statement does not name the artifact');
  }
}
