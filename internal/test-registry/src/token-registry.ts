import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startRegistryProcess, type RegistryProcess } from './registry-process.ts';
import { startTokenServer, type TokenServer, type TokenServerOptions } from './token-server.ts';

export const TEST_USER = 'sealpack';
export const TEST_PASSWORD = 'sealpack-test-password';
/** The user of `fixtures/htpasswd-mirror`: a second registry with credentials of its own. */
export const MIRROR_USER = 'mirror';
export const MIRROR_PASSWORD = 'mirror-test-password';
export const TOKEN_ISSUER = 'sealpack-test-issuer';
export const TOKEN_SERVICE = 'sealpack-test-registry';

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

export interface TokenAuthRegistry {
  registry: RegistryProcess;
  tokens: TokenServer;
  stop(): Promise<void>;
}

/** A registry with bearer-token auth and the fixture token server it trusts, started together. */
export async function startTokenAuthRegistry(lifetimes: Pick<TokenServerOptions, 'expiresIn' | 'reportedExpiresIn'> = {}): Promise<TokenAuthRegistry> {
  const tokens = await startTokenServer({
    ...lifetimes,
    privateKeyPem: await readFile(fixturePath('token-signer.key'), 'utf8'),
    certificatePem: await readFile(fixturePath('token-signer.crt'), 'utf8'),
    issuer: TOKEN_ISSUER,
    service: TOKEN_SERVICE,
    users: { [TEST_USER]: TEST_PASSWORD },
  });
  try {
    const registry = await startRegistryProcess({ kind: 'token', realm: tokens.url, service: TOKEN_SERVICE, issuer: TOKEN_ISSUER, rootCertBundle: fixturePath('token-signer.crt') });
    return {
      registry,
      tokens,
      stop: async () => {
        await registry.stop();
        await tokens.stop();
      },
    };
  } catch (error) {
    await tokens.stop();
    throw error;
  }
}
