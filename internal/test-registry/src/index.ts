// Augmenting vitest's ProvidedContext below needs vitest loaded in every program that sees this
// file, bench's type-check too.
import type {} from 'vitest';
import { randomBytes } from 'node:crypto';
export { startRegistryProcess, type RegistryProcess, type RegistryAuth, type RegistryProcessOptions } from './registry-process.ts';
export { startTokenServer, type TokenServer } from './token-server.ts';
export { startFaultProxy, type FaultProxy } from './fault-proxy.ts';
export { startRecordingProxy, type RecordingProxy, type RecordingProxyOptions, type RecordedRequest } from './recording-proxy.ts';
export { askingForBasic, fakeRegistryGroup, readRequestBody, startFakeRegistry, type FakeRegistry } from './fake-registry.ts';
export { withOneValueReplaced } from './mutate-json.ts';

export { startTokenAuthRegistry, fixturePath, TEST_USER, TEST_PASSWORD, MIRROR_USER, MIRROR_PASSWORD, TOKEN_ISSUER, TOKEN_SERVICE, type TokenAuthRegistry } from './token-registry.ts';

export interface RegistryEndpoint {
  /** `127.0.0.1:PORT`. */
  host: string;
  port: number;
  /** The registry's storage root, for tests that check what it keeps (distribution's filesystem driver). */
  storage: string;
}

export interface TestRegistries {
  anonymous: RegistryEndpoint;
  basic: RegistryEndpoint;
  token: RegistryEndpoint;
}

declare module 'vitest' {
  interface ProvidedContext {
    registries: TestRegistries;
  }
}

/** Where distribution keeps the upload sessions of a repository that are not yet committed or cancelled. */
export function uploadSessionsDir(endpoint: RegistryEndpoint, repository: string): string {
  return `${endpoint.storage}/docker/registry/v2/repositories/${repository}/_uploads`;
}

/** A repository name no other test uses, so tests share registries without seeing each other. */
export function uniqueRepository(prefix = 'test'): string {
  return `${prefix}/r${randomBytes(6).toString('hex')}`;
}
