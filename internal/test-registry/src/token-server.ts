import { createSign, randomBytes, X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenServerOptions {
  privateKeyPem: string;
  certificatePem: string;
  issuer: string;
  service: string;
  users: Record<string, string>;
  /** Token lifetime in seconds: the JWT's `exp`. */
  expiresIn?: number;
  /** The lifetime the answer tells the client (`expires_in`); default `expiresIn`. A registry test sets it longer than the real one, to make a client hold a token the registry has stopped taking. */
  reportedExpiresIn?: number;
}

export interface TokenServer {
  url: string;
  /** Every token request so far: scopes asked for and the user (or undefined). */
  requests: Array<{ scopes: string[]; user: string | undefined }>;
  /**
   * From now on every token issued so far counts as expired, whatever its `exp` says: what a
   * registry does to a token the client still believes valid (clock skew, revocation). A proxy in
   * front of the registry enforces it (see `isRevoked`), so a test needs no clock and no sleep.
   */
  revokeIssued(): void;
  isRevoked(token: string): boolean;
  stop(): Promise<void>;
}

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

/**
 * A token server per distribution's token-auth spec (docs/spec/auth/token.md): Basic credentials
 * in, an RS256 JWT out whose `x5c` header carries the signing certificate the registry trusts.
 */
export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const certDer = new X509Certificate(options.certificatePem).raw;
  const requests: TokenServer['requests'] = [];
  const issued = new Set<string>();
  const revoked = new Set<string>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    const scopes = url.searchParams
      .getAll('scope')
      .flatMap((s) => s.split(' '))
      .filter(Boolean);
    let user: string | undefined;
    const header = req.headers.authorization;
    if (header?.startsWith('Basic ') === true) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const name = decoded.slice(0, colon);
      if (colon === -1 || options.users[name] !== decoded.slice(colon + 1)) {
        requests.push({ scopes, user: undefined });
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ details: 'bad credentials' }));
        return;
      }
      user = name;
    }
    requests.push({ scopes, user });
    if (user === undefined) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="token"' }).end('{}');
      return;
    }
    const access = scopes.map((scope) => {
      const [type, name, actions] = scope.split(':');
      return { type, name, actions: (actions ?? '').split(',').filter(Boolean) };
    });
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = options.expiresIn ?? 300;
    const jwtHeader = { typ: 'JWT', alg: 'RS256', x5c: [certDer.toString('base64')] };
    const claims = { iss: options.issuer, sub: user, aud: options.service, exp: now + expiresIn, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access };
    const signingInput = `${base64url(JSON.stringify(jwtHeader))}.${base64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(options.privateKeyPem);
    const token = `${signingInput}.${base64url(signature)}`;
    issued.add(token);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token, access_token: token, expires_in: options.reportedExpiresIn ?? expiresIn, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/token`,
    requests,
    revokeIssued: () => {
      for (const token of issued) revoked.add(token);
    },
    isRevoked: (token) => revoked.has(token),
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
