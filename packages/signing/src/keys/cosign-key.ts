import { createPrivateKey, generateKeyPairSync, randomBytes, scrypt, type KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';
import { z } from 'zod';
import { SigningError } from '../errors.ts';

// cosign's encrypted key file (sigstore/cosign pkg/cosign/keys.go, and sigstore's
// pkg/encrypted): PEM around JSON; the key comes from scrypt over the password and a 32-byte salt,
// the PKCS#8 DER is sealed with NaCl secretbox under a 24-byte nonce.
const PEM_TYPES = ['ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED COSIGN PRIVATE KEY'] as const;
/** cosign writes this type; the older COSIGN one is still read. */
const WRITTEN_PEM_TYPE = PEM_TYPES[0];
/** The scrypt work factors cosign has used (its default is 32768). */
const SCRYPT_COSTS = [32768, 65536, 131072];

const EncryptedKeySchema = z.object({
  kdf: z.object({
    name: z.literal('scrypt'),
    params: z.object({ N: z.number().int(), r: z.literal(8), p: z.literal(1) }),
    salt: z.string(),
  }),
  cipher: z.object({ name: z.literal('nacl/secretbox'), nonce: z.string() }),
  ciphertext: z.string(),
});

/** The PEM block of one of the given types in a text, as bytes, or undefined. */
export function pemBlock(text: string, types: readonly string[]): { type: string; der: Buffer } | undefined {
  const match = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)\r?\n-----END \1-----/.exec(text);
  if (match === null || !types.includes(match[1] as string)) return undefined;
  return { type: match[1] as string, der: Buffer.from((match[2] as string).replace(/\s+/g, ''), 'base64') };
}

export function isCosignEncryptedKey(text: string): boolean {
  return pemBlock(text, PEM_TYPES) !== undefined;
}

function deriveKey(password: string, salt: Buffer, cost: number): Promise<Buffer> {
  // 128 * N * r bytes of memory: 128 MiB at N = 131072, above Node's default 32 MiB cap.
  return new Promise((resolve, reject) => scrypt(password, salt, 32, { N: cost, r: 8, p: 1, maxmem: 256 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key))));
}

/**
 * Decrypts a cosign private key file. A wrong password is WRONG_PASSWORD; a key that is not
 * PKCS#8 (cosign's old SEC1 "EC PRIVATE KEY" inside) is refused as cosign refuses it.
 */
export async function decryptCosignKey(text: string, password: string): Promise<KeyObject> {
  const block = pemBlock(text, PEM_TYPES);
  if (block === undefined) throw new SigningError('INVALID_KEY', 'not a cosign encrypted private key (no ENCRYPTED SIGSTORE/COSIGN PRIVATE KEY block)');
  let parsed: z.infer<typeof EncryptedKeySchema>;
  try {
    parsed = EncryptedKeySchema.parse(JSON.parse(block.der.toString('utf8')));
  } catch (cause) {
    throw new SigningError('INVALID_KEY', 'the cosign key file is damaged (its JSON is not what cosign writes)', { cause });
  }
  const cost = parsed.kdf.params.N;
  if (!SCRYPT_COSTS.includes(cost)) throw new SigningError('UNSUPPORTED_KEY', `scrypt N=${cost} is not one cosign uses (${SCRYPT_COSTS.join(', ')})`);
  const salt = Buffer.from(parsed.kdf.salt, 'base64');
  const nonce = Buffer.from(parsed.cipher.nonce, 'base64');
  if (salt.byteLength !== 32 || nonce.byteLength !== nacl.secretbox.nonceLength) throw new SigningError('INVALID_KEY', 'the cosign key file has a salt or nonce of the wrong size');
  const key = await deriveKey(password, salt, cost);
  const opened = nacl.secretbox.open(new Uint8Array(Buffer.from(parsed.ciphertext, 'base64')), new Uint8Array(nonce), new Uint8Array(key));
  if (opened === null) throw new SigningError('WRONG_PASSWORD', 'wrong password for the cosign key (it does not decrypt)');
  try {
    return createPrivateKey({ key: Buffer.from(opened), format: 'der', type: 'pkcs8' });
  } catch (cause) {
    // cosign (LoadPrivateKey) accepts PKCS#8 only; a SEC1 key inside is refused there too.
    throw new SigningError('UNSUPPORTED_KEY', 'the cosign key holds no PKCS#8 private key (a SEC1 EC key, which cosign refuses too)', { cause });
  }
}

/** Encrypts a private key as cosign does (scrypt N=32768, r=8, p=1; secretbox), as a PEM text. */
export async function encryptCosignKey(privateKey: KeyObject, password: string, random: (n: number) => Buffer = randomBytes): Promise<string> {
  const salt = random(32);
  const nonce = random(nacl.secretbox.nonceLength);
  const key = await deriveKey(password, salt, SCRYPT_COSTS[0] as number);
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const sealed = nacl.secretbox(new Uint8Array(der), new Uint8Array(nonce), new Uint8Array(key));
  const json = JSON.stringify({
    kdf: { name: 'scrypt', params: { N: SCRYPT_COSTS[0], r: 8, p: 1 }, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(sealed).toString('base64'),
  });
  const body = Buffer.from(json)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN ${WRITTEN_PEM_TYPE}-----\n${body}\n-----END ${WRITTEN_PEM_TYPE}-----\n`;
}

export interface GeneratedKeyPair {
  /** cosign's encrypted private key file (`cosign.key`). */
  privateKeyFile: string;
  /** The SPKI PEM public key (`cosign.pub`). */
  publicKeyFile: string;
  privateKey: KeyObject;
}

/** An ECDSA P-256 key pair as `cosign generate-key-pair` makes one. */
export async function generateCosignKeyPair(password: string): Promise<GeneratedKeyPair> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKeyFile: await encryptCosignKey(privateKey, password), publicKeyFile: publicKey.export({ format: 'pem', type: 'spki' }).toString(), privateKey };
}
