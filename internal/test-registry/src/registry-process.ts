import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RegistryProcess {
  /** `127.0.0.1:PORT`, the registry part of a reference. */
  host: string;
  port: number;
  pid: number;
  storage: string;
  stop(): Promise<void>;
}

export type RegistryAuth = { kind: 'none' } | { kind: 'htpasswd'; htpasswdPath: string } | { kind: 'token'; realm: string; service: string; issuer: string; rootCertBundle: string };

function authSection(auth: RegistryAuth): string {
  switch (auth.kind) {
    case 'none':
      return '';
    case 'htpasswd':
      return `auth:\n  htpasswd:\n    realm: sealpack-test\n    path: ${auth.htpasswdPath}\n`;
    case 'token':
      return `auth:\n  token:\n    realm: ${auth.realm}\n    service: ${auth.service}\n    issuer: ${auth.issuer}\n    rootcertbundle: ${auth.rootCertBundle}\n`;
  }
}

export interface RegistryProcessOptions {
  /** Serve HTTPS with this certificate and key (distribution's `http.tls`), PEM file paths. */
  tls?: { certificate: string; key: string };
  /** distribution's `storage.delete.enabled` (default true); off, a DELETE is answered 405. */
  deleteEnabled?: boolean;
}

/**
 * Starts Debian's docker-registry (CNCF distribution 2.8) on 127.0.0.1 port 0 with a fresh storage
 * directory, and resolves once it prints the port it listens on.
 */
export async function startRegistryProcess(auth: RegistryAuth = { kind: 'none' }, options: RegistryProcessOptions = {}): Promise<RegistryProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'sealpack-registry-'));
  const storage = join(dir, 'storage');
  const config = join(dir, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: info',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${storage}`,
      '  delete:',
      `    enabled: ${options.deleteEnabled ?? true}`,
      '  maintenance:',
      '    uploadpurging:',
      '      enabled: false',
      'http:',
      '  addr: 127.0.0.1:0',
      '  secret: sealpack-test-secret',
      ...(options.tls === undefined ? [] : ['  tls:', `    certificate: ${options.tls.certificate}`, `    key: ${options.tls.key}`]),
      authSection(auth),
    ].join('\n'),
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`docker-registry did not start within 15 s:\n${seen.slice(-2000)}`)), 15_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run docker-registry (apt-get install docker-registry): ${error.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`docker-registry exited with ${code}:\n${seen.slice(-2000)}`));
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(seen);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
      if (seen.length > 100_000) seen = seen.slice(-10_000);
    });
  });
  // Keep draining stderr so the registry never blocks on a full pipe.
  child.stderr?.resume();
  const pid = child.pid as number;
  return {
    host: `127.0.0.1:${port}`,
    port,
    pid,
    storage,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        signal(pid, 'SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
        if (child.exitCode === null && child.signalCode === null) signal(pid, 'SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Signals a process that may already be gone (ESRCH is not an error then). */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
