import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { pemBlock, decryptCosignKey, encryptCosignKey, generateCosignKeyPair } from './cosign-key.ts';
import { keyId, loadPrivateKey, loadPublicKey } from './key-files.ts';

// Read-only vectors from the cosign repository (../shared/vectors/cosign, see its README).
const vector = (name: string) => readFile(new URL(`../../../../../shared/vectors/cosign/${name}`, import.meta.url), 'utf8');

function signsAndVerifies(privateKey: Parameters<typeof sign>[2]): boolean {
  const data = Buffer.from('a manifest digest');
  const signature = sign('sha256', data, privateKey);
  return verify('sha256', data, createPublicKey(privateKey as Parameters<typeof createPublicKey>[0]), signature);
}

describe("cosign's encrypted key files", () => {
  it.each(['sigstore-ec.key', 'cosign-rsa.key'])('decrypts the %s vector with its password to a working P-256 key', async (name) => {
    const key = await decryptCosignKey(await vector(name), 'hello');
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(signsAndVerifies(key)).toBe(true);
  });

  it('refuses the vector that holds a SEC1 key, as cosign does', async () => {
    await expect(decryptCosignKey(await vector('cosign-ec-sec1.key'), 'hello')).rejects.toMatchObject({ code: 'UNSUPPORTED_KEY', kind: 'input' });
  });

  it('says a wrong password is a wrong password', async () => {
    await expect(decryptCosignKey(await vector('sigstore-ec.key'), 'not hello')).rejects.toMatchObject({ code: 'WRONG_PASSWORD', message: expect.stringMatching(/wrong password/) });
  });

  it('refuses text that is no cosign key, and a damaged one', async () => {
    await expect(decryptCosignKey('hello', 'x')).rejects.toMatchObject({ code: 'INVALID_KEY' });
    const damaged = `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${Buffer.from('{"kdf":{}}').toString('base64')}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`;
    await expect(decryptCosignKey(damaged, 'x')).rejects.toMatchObject({ code: 'INVALID_KEY', message: expect.stringMatching(/damaged/) });
  });

  it('writes files cosign reads: the SIGSTORE PEM type, scrypt N=32768 r=8 p=1, secretbox; and reads them back', async () => {
    const pair = await generateCosignKeyPair('s3cret');
    const block = pemBlock(pair.privateKeyFile, ['ENCRYPTED SIGSTORE PRIVATE KEY']);
    expect(block).toBeDefined();
    expect(JSON.parse((block?.der ?? Buffer.alloc(0)).toString('utf8'))).toMatchObject({ kdf: { name: 'scrypt', params: { N: 32768, r: 8, p: 1 } }, cipher: { name: 'nacl/secretbox' } });
    const back = await decryptCosignKey(pair.privateKeyFile, 's3cret');
    expect(keyId(back)).toBe(keyId(pair.privateKey));
    expect(keyId(loadPublicKey(pair.publicKeyFile))).toBe(keyId(pair.privateKey));
    // Fresh salt and nonce each time: the same key never encrypts to the same file.
    expect(await encryptCosignKey(back, 's3cret')).not.toBe(pair.privateKeyFile);
  });
});

describe('key files in general', () => {
  it('loads cosign keys (asking for the password only then) and plain PEM keys; refuses keys that are not P-256', async () => {
    let asked = 0;
    const password = async () => {
      asked++;
      return 'hello';
    };
    expect((await loadPrivateKey(await vector('sigstore-ec.key'), password)).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(keyId(await loadPrivateKey(pem, password))).toBe(keyId(privateKey));
    expect(asked).toBe(1);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expect(loadPrivateKey(rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), password)).rejects.toMatchObject({ code: 'UNSUPPORTED_KEY' });
    expect(() => loadPublicKey(rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString())).toThrow(/not an ECDSA P-256 key/);
    expect(() => loadPublicKey('nonsense')).toThrow(/not a public key/);
    await expect(loadPrivateKey('nonsense', password)).rejects.toMatchObject({ code: 'INVALID_KEY' });
    expect(loadPublicKey(await vector('cosign-test.pub')).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });
});
