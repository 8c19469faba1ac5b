import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import { keyId } from './keys/key-files.ts';

/** What verifies a signature: a public key (with its id as a hint) or a certificate. */
export type KeyMaterial = { $case: 'publicKey'; publicKey: string; hint?: string } | { $case: 'x509Certificate'; certificate: string };

/**
 * Signs bytes. One method, so a KMS or HSM plugs in without touching the rest (sigstore-js's
 * `Signer` has the same shape, and this one is handed to its bundle builders as is).
 */
export interface Signer {
  sign(data: Buffer): Promise<{ signature: Buffer; key: KeyMaterial }>;
}

/** A signer over a local ECDSA P-256 private key (cosign.key or a PEM), SHA-256, DER signatures. */
export function keySigner(privateKey: KeyObject): Signer {
  const publicKey = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
  const hint = keyId(privateKey);
  return {
    async sign(data) {
      return { signature: sign('sha256', data, privateKey), key: { $case: 'publicKey', publicKey, hint } };
    },
  };
}
