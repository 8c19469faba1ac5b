import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { readRequestBody, startFakeRegistry, type FakeRegistry } from '@sealpack/test-registry';
import { bytesSource, packLayers, sha256Of, type Descriptor } from '../src/index.ts';
import { referrersTag, RegistryTarget } from '../src/entries/registry.ts';

let fake: FakeRegistry | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

/**
 * Manifests in memory, served by tag or digest, with ETags and If-Match honoured (412 on a stale
 * write), and optionally the OCI-Subject header that says the registry indexed a subject itself.
 */
function manifestRegistry(options: { ociSubject: boolean }) {
  const manifests = new Map<string, { bytes: Buffer; type: string }>();
  const stats = { preconditionFailed: 0, tagSchemaWrites: 0 };
  let version = 0;
  const etags = new Map<string, string>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    void readRequestBody(req).then((bytes) => {
      const match = /^\/v2\/(.+)\/(manifests|blobs)\/([^/?]+)/.exec(new URL(req.url ?? '/', 'http://x').pathname);
      if (req.method === 'POST') return void res.writeHead(202, { location: '/v2/data/x/blobs/uploads/u' }).end();
      if (req.method === 'PUT' && req.url?.includes('/blobs/uploads/') === true) return void res.writeHead(201).end();
      if (match === null) return void res.writeHead(404).end();
      const [, , kind, ref] = match as unknown as [string, string, string, string];
      if (kind === 'blobs') return void res.writeHead(req.method === 'HEAD' ? 200 : 404, { 'content-length': '0' }).end();
      if (req.method === 'PUT') {
        const ifMatch = req.headers['if-match'];
        if (ifMatch !== undefined && etags.get(ref) !== ifMatch) {
          stats.preconditionFailed++;
          return void res.writeHead(412).end();
        }
        if (ref.startsWith('sha256-')) stats.tagSchemaWrites++;
        const entry = { bytes, type: String(req.headers['content-type']) };
        const digest = sha256Of(bytes);
        manifests.set(ref, entry);
        manifests.set(digest, entry);
        etags.set(ref, `"v${++version}"`);
        const subject = (JSON.parse(bytes.toString()) as { subject?: { digest: string } }).subject;
        return void res.writeHead(201, { 'docker-content-digest': digest, ...(options.ociSubject && subject !== undefined ? { 'oci-subject': subject.digest } : {}) }).end();
      }
      const found = manifests.get(ref);
      if (found === undefined) return void res.writeHead(404).end();
      res
        .writeHead(200, {
          'content-type': found.type,
          'content-length': String(found.bytes.byteLength),
          'docker-content-digest': sha256Of(found.bytes),
          etag: etags.get(ref) ?? `"${sha256Of(found.bytes)}"`,
        })
        .end(req.method === 'HEAD' ? undefined : found.bytes);
    });
  };
  return { handler, stats };
}

async function referrer(target: RegistryTarget, subject: Descriptor, text: string): Promise<Descriptor> {
  const bytes = new TextEncoder().encode(text);
  const artifact = packLayers([{ descriptor: { mediaType: 'text/plain', digest: sha256Of(bytes), size: bytes.byteLength }, source: bytesSource(bytes) }], { created: null, subject });
  await target.push(artifact.descriptor, bytesSource(artifact.manifestBytes));
  return artifact.descriptor;
}

const subject: Descriptor = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256Of('subject'), size: 7 };

describe('referrers on registries that do more than distribution 2.8', () => {
  it('writes no tag-schema index where the registry answers OCI-Subject', async () => {
    const registry = manifestRegistry({ ociSubject: true });
    fake = await startFakeRegistry(registry.handler);
    const target = new RegistryTarget(fake.host, 'data/x');
    await referrer(target, subject, 'evidence');
    expect(registry.stats.tagSchemaWrites).toBe(0);
    expect(fake.requests.some((r) => r.url.includes(referrersTag(subject.digest)))).toBe(false);
  });

  it('sends If-Match with the ETag it read, and concurrent writers both survive', async () => {
    const registry = manifestRegistry({ ociSubject: false });
    fake = await startFakeRegistry(registry.handler);
    // Two targets: two independent writers, as two processes would be.
    const one = new RegistryTarget(fake.host, 'data/x');
    const two = new RegistryTarget(fake.host, 'data/x');
    const written = await Promise.all([referrer(one, subject, 'first'), referrer(two, subject, 'second'), referrer(one, subject, 'third'), referrer(two, subject, 'fourth')]);
    expect((await one.referrers(subject)).map((d) => d.digest).sort()).toEqual(written.map((d) => d.digest).sort());
    expect(registry.stats.tagSchemaWrites).toBeGreaterThanOrEqual(2);
    expect(fake.requests.some((r) => r.method === 'PUT' && r.headers['if-match'] !== undefined)).toBe(true);
  });
});
