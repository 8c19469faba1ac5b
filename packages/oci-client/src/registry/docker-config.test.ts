import fc from 'fast-check';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OciError } from '../errors.ts';
import { dockerConfigCredentials, eraseDockerCredential, readDockerConfig, storeDockerCredential } from './docker-config.ts';

async function configFile(content: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sealpack-dcfg-'));
  const path = join(dir, 'config.json');
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** A stand-in for the docker-credential-NAME executable: answers per the helper protocol. */
function helperStore(initial: Record<string, { Username: string; Secret: string }>) {
  const store = { ...initial };
  const calls: string[] = [];
  const runHelper = async (helper: string, action: 'get' | 'store' | 'erase', input: string) => {
    calls.push(`${helper} ${action} ${action === 'store' ? (JSON.parse(input) as { ServerURL: string }).ServerURL : input}`);
    if (action === 'get') {
      const entry = store[input];
      if (entry === undefined) throw new OciError('CREDENTIALS', 'credentials not found in native keychain');
      return JSON.stringify({ ServerURL: input, ...entry });
    }
    if (action === 'store') {
      const { ServerURL, Username, Secret } = JSON.parse(input) as { ServerURL: string; Username: string; Secret: string };
      store[ServerURL] = { Username, Secret };
      return '';
    }
    if (store[input] === undefined) throw new OciError('CREDENTIALS', 'credentials not found in native keychain');
    delete store[input];
    return '';
  };
  return { store, calls, runHelper };
}

describe('docker config credentials', () => {
  it('decodes auths entries, with or without a scheme in the key, and Docker Hub legacy keys', async () => {
    const path = await configFile({
      auths: {
        'reg.example:5000': { auth: Buffer.from('alice:s3cret:with:colons').toString('base64') },
        'https://other.example': { username: 'bob', password: 'pw' },
        'https://index.docker.io/v1/': { auth: Buffer.from('hub:tok').toString('base64') },
        'tokens.example': { auth: Buffer.from('<token>:').toString('base64'), identitytoken: 'refresh-123' },
      },
    });
    const creds = dockerConfigCredentials({ path });
    expect(await creds('reg.example:5000')).toEqual({ kind: 'basic', username: 'alice', password: 's3cret:with:colons' });
    expect(await creds('other.example')).toEqual({ kind: 'basic', username: 'bob', password: 'pw' });
    expect(await creds('docker.io')).toEqual({ kind: 'basic', username: 'hub', password: 'tok' });
    expect(await creds('tokens.example')).toEqual({ kind: 'identity-token', username: '<token>', token: 'refresh-123' });
    expect(await creds('unknown.example')).toBeUndefined();
  });

  it('asks credHelpers first, then auths, then credsStore, as docker does', async () => {
    const path = await configFile({
      auths: { 'a.example': { auth: Buffer.from('file:pw').toString('base64') } },
      credHelpers: { 'a.example': 'ecr-login' },
      credsStore: 'pass',
    });
    const helper = helperStore({ 'a.example': { Username: 'helper', Secret: 'hs' }, 'b.example': { Username: 'store', Secret: 'ss' } });
    const creds = dockerConfigCredentials({ path, runHelper: helper.runHelper });
    expect(await creds('a.example')).toEqual({ kind: 'basic', username: 'helper', password: 'hs' });
    expect(await creds('b.example')).toEqual({ kind: 'basic', username: 'store', password: 'ss' });
    expect(await creds('c.example')).toBeUndefined();
    expect(helper.calls).toEqual(['ecr-login get a.example', 'pass get b.example', 'pass get c.example']);
  });

  it('treats a missing file as no credentials and refuses malformed ones with CREDENTIALS', async () => {
    expect(await dockerConfigCredentials({ path: '/nonexistent/config.json' })('x.example')).toBeUndefined();
    await expect(dockerConfigCredentials({ path: await configFile('{not json') })('x')).rejects.toMatchObject({ code: 'CREDENTIALS' });
    await expect(dockerConfigCredentials({ path: await configFile({ auths: 'nope' }) })('x')).rejects.toMatchObject({ code: 'CREDENTIALS' });
    await expect(dockerConfigCredentials({ path: await configFile({ auths: { x: { auth: Buffer.from('nocolon').toString('base64') } } }) })('x')).rejects.toMatchObject({ code: 'CREDENTIALS' });
    await expect(dockerConfigCredentials({ path: await configFile({ credsStore: '../../bin/sh' }) })('x')).rejects.toMatchObject({ code: 'CREDENTIALS' });
  });

  it('stores and erases credentials in auths (mode 0600), keeping unrelated settings', async () => {
    const path = await configFile({ auths: {}, psFormat: 'table' });
    await storeDockerCredential('reg.example', { username: 'u', password: 'p' }, { path });
    expect(((await stat(path)).mode & 0o777).toString(8)).toBe('600');
    expect(await dockerConfigCredentials({ path })('reg.example')).toEqual({ kind: 'basic', username: 'u', password: 'p' });
    expect(JSON.parse(await readFile(path, 'utf8')).psFormat).toBe('table');
    expect(await eraseDockerCredential('reg.example', { path })).toBe(true);
    expect(await eraseDockerCredential('reg.example', { path })).toBe(false);
    expect(await dockerConfigCredentials({ path })('reg.example')).toBeUndefined();
  });

  it('stores into and erases from the configured credential helper instead of the file', async () => {
    const path = await configFile({ credsStore: 'secretservice' });
    const helper = helperStore({});
    expect(await storeDockerCredential('reg.example', { username: 'u', password: 'p' }, { path, runHelper: helper.runHelper })).toBe('docker-credential-secretservice');
    expect(helper.store['reg.example']).toEqual({ Username: 'u', Secret: 'p' });
    expect(JSON.parse(await readFile(path, 'utf8')).auths).toBeUndefined();
    expect(await eraseDockerCredential('reg.example', { path, runHelper: helper.runHelper })).toBe(true);
    expect(helper.store['reg.example']).toBeUndefined();
  });

  it('any JSON document either parses as a config or fails with CREDENTIALS', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sealpack-dcfg-prop-'));
    const path = join(dir, 'config.json');
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        await writeFile(path, JSON.stringify(value));
        try {
          const config = await readDockerConfig(path);
          // Only a JSON object is a config, and what it keeps of `auths` is an object of entries.
          expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
          if (config.auths !== undefined) expect(typeof config.auths).toBe('object');
        } catch (error) {
          expect(error).toMatchObject({ code: 'CREDENTIALS' });
        }
      }),
      { numRuns: 300 },
    );
  });
});
