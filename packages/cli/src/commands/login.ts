import { staticCredential } from '@sealpack/oci-client';
import { eraseDockerCredential, pingRegistry, storeDockerCredential } from '@sealpack/oci-client/registry';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { readStdin } from '../io.ts';
import { ask } from '../prompt.ts';
import { readSecret } from '../read-secret.ts';
import { parseRegistryHost } from '../registry-host.ts';

export const loginCommand: Command = {
  path: ['login'],
  usage: 'sealpack login HOST -u USER --password-stdin',
  operands: 1,
  summary: "check credentials against a registry and store them in docker's config.json (or its credential helper)",
  options: {},
  async run({ values, positionals, out, io, tlsOptions }) {
    const host = parseRegistryHost(positionals[0]);
    let username = values.username;
    let password: string;
    if (values['password-stdin'] === true) {
      if (username === undefined) throw new UsageError('--password-stdin needs --username');
      password = (await readStdin(io)).replace(/\r?\n$/, '');
    } else {
      if (io.stdin.isTTY !== true) throw new UsageError('no terminal to ask for a password: use -u USER --password-stdin');
      if (username === undefined) {
        username = (await ask(io, 'Username: ')).trim();
      }
      password = await readSecret(io, 'Password: ');
    }
    if (username === undefined || username.length === 0 || password.length === 0) throw new UsageError('username and password must not be empty');
    await pingRegistry(host, {
      credentials: staticCredential({ kind: 'basic', username, password }),
      ...(await tlsOptions()),
      retry: { attempts: 2 },
    });
    const where = await storeDockerCredential(host, { username, password }, { env: io.env });
    if (out.options.json) out.json({ registry: host, username, storedIn: where });
    else out.detail(`Login Succeeded (stored in ${where})`);
  },
};

export const logoutCommand: Command = {
  path: ['logout'],
  usage: 'sealpack logout HOST',
  operands: 1,
  summary: 'remove the stored credentials of a registry',
  options: {},
  async run({ positionals, out, io }) {
    const host = parseRegistryHost(positionals[0]);
    const removed = await eraseDockerCredential(host, { env: io.env });
    if (out.options.json) out.json({ registry: host, removed });
    else out.detail(removed ? `Removed login credentials for ${host}` : `Not logged in to ${host}`);
  },
};
