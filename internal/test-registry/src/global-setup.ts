import type { TestProject } from 'vitest/node';
import { startRegistryProcess, type RegistryProcess } from './registry-process.ts';
import { fixturePath, startTokenAuthRegistry, type TokenAuthRegistry } from './token-registry.ts';
import type { TestRegistries } from './index.ts';

/**
 * vitest globalSetup: three real registries for the whole run (anonymous, htpasswd Basic auth,
 * Bearer tokens from a fixture token server), stopped by PID at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started: RegistryProcess[] = [];
  let token: TokenAuthRegistry | undefined;
  const stopAll = async () => {
    await Promise.all(started.map((r) => r.stop()));
    await token?.stop();
  };
  try {
    const anonymous = await startRegistryProcess({ kind: 'none' });
    started.push(anonymous);
    const basic = await startRegistryProcess({ kind: 'htpasswd', htpasswdPath: fixturePath('htpasswd') });
    started.push(basic);
    token = await startTokenAuthRegistry();
    const registries: TestRegistries = {
      anonymous: { host: anonymous.host, port: anonymous.port, storage: anonymous.storage },
      basic: { host: basic.host, port: basic.port, storage: basic.storage },
      token: { host: token.registry.host, port: token.registry.port, storage: token.registry.storage },
    };
    project.provide('registries', registries);
  } catch (error) {
    await stopAll();
    throw error;
  }
  return stopAll;
}
