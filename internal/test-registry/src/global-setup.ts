import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startRegistryProcess, type RegistryProcess } from './registry-process.ts';
import { startTokenServer, type TokenServer } from './token-server.ts';
import { TEST_PASSWORD, TEST_USER, TOKEN_ISSUER, TOKEN_SERVICE, type TestRegistries } from './index.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/**
 * vitest globalSetup: three real registries for the whole run (anonymous, htpasswd Basic auth,
 * Bearer tokens from a fixture token server), stopped by PID at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started: RegistryProcess[] = [];
  let tokenServer: TokenServer | undefined;
  try {
    const anonymous = await startRegistryProcess({ kind: 'none' });
    started.push(anonymous);
    const basic = await startRegistryProcess({ kind: 'htpasswd', htpasswdPath: fixture('htpasswd') });
    started.push(basic);
    tokenServer = await startTokenServer({
      privateKeyPem: await readFile(fixture('token-signer.key'), 'utf8'),
      certificatePem: await readFile(fixture('token-signer.crt'), 'utf8'),
      issuer: TOKEN_ISSUER,
      service: TOKEN_SERVICE,
      users: { [TEST_USER]: TEST_PASSWORD },
    });
    const token = await startRegistryProcess({ kind: 'token', realm: tokenServer.url, service: TOKEN_SERVICE, issuer: TOKEN_ISSUER, rootCertBundle: fixture('token-signer.crt') });
    started.push(token);
    const registries: TestRegistries = {
      anonymous: { host: anonymous.host, port: anonymous.port },
      basic: { host: basic.host, port: basic.port },
      token: { host: token.host, port: token.port },
    };
    project.provide('registries', registries);
  } catch (error) {
    await Promise.all(started.map((r) => r.stop()));
    await tokenServer?.stop();
    throw error;
  }
  return async () => {
    await Promise.all(started.map((r) => r.stop()));
    await tokenServer?.stop();
  };
}
