import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { formatReference, type Reference, type Target } from '@sealpack/oci-client';
import { z } from 'zod';
import type { Command, CommandContext } from '../command.ts';
import { parseOptions } from '../command-input.ts';
import { UsageError } from '../errors.ts';
import { parseRef, withLayoutPath } from '../global-options.ts';
import { readPolicyFile } from '../policy-file.ts';
import { type ArtifactView, artifactView, type ViewSources } from '../viewer/artifact-view.ts';
import { artifactPage, indexPage } from '../viewer/page.ts';
import { loadVerifying, verifyingKeyOptions, verifyPolicyFrom } from './signing-options.ts';

const ServeValues = z.object({
  port: z
    .string()
    .regex(/^\d+$/, 'a port number')
    .transform(Number)
    .refine((n) => n <= 65535, 'a port number')
    .default(8080),
  policy: z.string().min(1).optional(),
  env: z.string().min(1).optional(),
  catalog: z.array(z.string().min(1)).default([]),
});

// A page the browser may render but never run script in, frame, or leak its address from.
const HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export const serveCommand: Command = {
  path: ['serve'],
  usage: 'sealpack serve REF... (--key FILE | --certificate-identity[-regexp] X --certificate-oidc-issuer[-regexp] Y) [--policy FILE [--env ENV]] [--catalog FILE]... [--port N]',
  operands: 'many',
  summary: 'a read-only web evidence viewer on 127.0.0.1: referrers graph, signatures, attestations, lineage picture, policy verdict per rule, catalog records, files (Ctrl-C stops it)',
  options: {
    port: { type: 'string', valueName: 'N', defaultText: '8080', description: 'the port on 127.0.0.1 (0: any free port); the viewer never listens on another address' },
    policy: { type: 'string', valueName: 'FILE', description: 'evaluate this policy on each artifact and show its verdict, rule by rule' },
    env: { type: 'string', valueName: 'ENV', description: 'the policy environment to evaluate' },
    catalog: { type: 'string', multiple: true, valueName: 'FILE', description: 'a STAC or DCAT record or distribution.oci.json, shown with the artifact whose digest it names; repeatable' },
    ...verifyingKeyOptions('signature'),
  },
  async run(context) {
    const { values, positionals, io, out } = context;
    if (positionals.length === 0) throw new UsageError('serve needs at least one REF to show');
    const options = parseOptions(ServeValues, values);
    const refs = positionals.map((text) => withLayoutPath(parseRef(text), io.cwd));
    const verifying = await loadVerifying();
    const verifyPolicy = await verifyPolicyFrom(values, io, verifying, undefined);
    const gate =
      options.policy === undefined
        ? undefined
        : await (async (file: string) => {
            const { gate: module, policy } = await readPolicyFile(resolve(io.cwd, file), file, `cannot read --policy ${file}`);
            // Compiled once here: a bad policy or environment is exit 2 before the server starts.
            module.compilePolicy(policy, options.env);
            return { module, policy, ...(options.env === undefined ? {} : { environment: options.env }) };
          })(options.policy);
    const sources: ViewSources = {
      open: reusingTargets(context),
      verifying,
      verifyPolicy,
      ...(gate === undefined ? {} : { gate }),
      catalogFiles: options.catalog.map((f) => resolve(io.cwd, f)),
    };
    const server = createServer((request, response) => {
      handle(request, response, refs, sources, server.address() as AddressInfo).catch((error: unknown) => {
        send(response, 500, 'text/plain; charset=utf-8', `sealpack serve: ${(error as Error).message}\n`);
      });
    });
    await new Promise<void>((done, fail) => {
      server.once('error', (error: NodeJS.ErrnoException) => fail(new ListenError(options.port, error)));
      server.listen(options.port, '127.0.0.1', done);
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    if (out.options.json) io.stdout.write(`${JSON.stringify({ url, artifacts: refs.map((r) => formatReference(r)) })}\n`);
    else out.result(`Serving the evidence of ${refs.length} artifact(s) at ${url} (read-only; Ctrl-C stops it)`, url);
    // Until the user interrupts: then main reports the interruption as it does for any command.
    await new Promise<void>((done) => {
      if (io.signal === undefined) return;
      if (io.signal.aborted) done();
      io.signal.addEventListener('abort', () => done(), { once: true });
    });
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  },
};

/** The port is taken or not ours to use: an I/O failure (exit 3), with the way out named. */
class ListenError extends Error {
  readonly code = 'LISTEN_FAILED';
  readonly kind = 'transport';

  constructor(port: number, cause: NodeJS.ErrnoException) {
    const why = cause.code === 'EADDRINUSE' ? 'the port is in use (--port N picks another, --port 0 any free one)' : (cause.code ?? cause.message);
    super(`cannot listen on 127.0.0.1:${port}: ${why}`, { cause });
  }
}

/** One target per reference for the life of the server, instead of a new connection pool per page. */
function reusingTargets(context: CommandContext): CommandContext['open'] {
  const targets = new Map<string, Promise<Target>>();
  return (ref: Reference, sides) => {
    const key = formatReference({ ...ref, tag: undefined, digest: undefined });
    let target = targets.get(key);
    if (target === undefined) {
      target = context.open(ref, sides);
      targets.set(key, target);
    }
    return target;
  };
}

async function handle(request: IncomingMessage, response: ServerResponse, refs: readonly Reference[], sources: ViewSources, address: AddressInfo): Promise<void> {
  // A page on another origin that resolves its own name to 127.0.0.1 (DNS rebinding) is refused.
  const host = request.headers.host ?? '';
  if (host !== `127.0.0.1:${address.port}` && host !== `localhost:${address.port}`) return send(response, 421, 'text/plain; charset=utf-8', 'sealpack serve answers only to 127.0.0.1\n');
  if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain; charset=utf-8', 'read-only\n', { allow: 'GET, HEAD' });
  const path = new URL(request.url ?? '/', `http://${host}`).pathname;
  if (path === '/') {
    const items = await Promise.all(refs.map(async (ref, index) => ({ index, reference: formatReference(ref), ...(await viewOrError(ref, sources)) })));
    return send(response, 200, 'text/html; charset=utf-8', indexPage(items));
  }
  const match = /^\/artifact\/(\d+)(\.json)?$/.exec(path);
  const ref = match === null ? undefined : refs[Number(match[1])];
  if (match === null || ref === undefined) return send(response, 404, 'text/plain; charset=utf-8', 'not found\n');
  const { view, error } = await viewOrError(ref, sources);
  if (view === undefined) return send(response, 502, 'text/plain; charset=utf-8', `${error}\n`);
  if (match[2] === '.json') return send(response, 200, 'application/json', `${JSON.stringify(view, null, 2)}\n`);
  return send(response, 200, 'text/html; charset=utf-8', artifactPage(view));
}

async function viewOrError(ref: Reference, sources: ViewSources): Promise<{ view?: ArtifactView; error?: string }> {
  try {
    return { view: await artifactView(ref, sources) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function send(response: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  response.writeHead(status, { ...HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
