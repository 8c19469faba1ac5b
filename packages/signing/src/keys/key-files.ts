import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { SigningError } from '../errors.ts';
import { decryptCosignKey, isCosignEncryptedKey } from './cosign-key.ts';

/** Sigstore and cosign sign with ECDSA P-256 (SHA-256); other keys are refused up front. */
function requireP256(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new SigningError(
      'UNSUPPORTED_KEY',
      `${what} is not an ECDSA P-256 key (${key.asymmetricKeyType ?? 'unknown'}${key.asymmetricKeyDetails?.namedCurve === undefined ? '' : ` ${key.asymmetricKeyDetails.namedCurve}`})`,
    );
  }
  return key;
}

/**
 * A private key from a key file: cosign's encrypted format (needs the password) or a plain PEM
 * (PKCS#8 "PRIVATE KEY", or SEC1 "EC PRIVATE KEY").
 */
export async function loadPrivateKey(text: string, password: () => Promise<string>): Promise<KeyObject> {
  if (isCosignEncryptedKey(text)) return requireP256(await decryptCosignKey(text, await password()), 'the cosign key');
  try {
    return requireP256(createPrivateKey({ key: text, format: 'pem' }), 'the private key');
  } catch (error) {
    if (error instanceof SigningError) throw error;
    throw new SigningError('INVALID_KEY', 'not a private key: want a cosign key file or a PEM "PRIVATE KEY"', { cause: error });
  }
}

/** A public key from an SPKI PEM ("PUBLIC KEY", as cosign.pub). */
export function loadPublicKey(text: string): KeyObject {
  try {
    return requireP256(createPublicKey({ key: text, format: 'pem' }), 'the public key');
  } catch (error) {
    if (error instanceof SigningError) throw error;
    throw new SigningError('INVALID_KEY', 'not a public key: want a PEM "PUBLIC KEY" (cosign.pub)', { cause: error });
  }
}

/** The key's id as Sigstore bundles hint it: base64 of the SHA-256 of its SPKI DER. */
export function keyId(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('base64');
}
