import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeRegistryGroup, type FakeRegistry } from '@sealpack/test-registry';
import { sha256Of, type Descriptor } from '../src/index.ts';
import { RegistryTarget } from '../src/entries/registry.ts';

// distribution-spec v1.1 "Listing Referrers": the registry MAY page the referrers index with a
// `Link: <…>; rel="next"` header. A client that reads the first page only lets a registry (or a
// proxy) hide a referrer, a signed revocation among them.
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const INDEX = 'application/vnd.oci.image.index.v1+json';
const SIG = 'application/vnd.example.sig';
const subject: Descriptor = { mediaType: MANIFEST, digest: sha256Of('subject'), size: 7 };
const referrers: Descriptor[] = ['first', 'second', 'revocation'].map((name) => ({ mediaType: MANIFEST, digest: sha256Of(name), size: 1, artifactType: SIG }));

const servers = fakeRegistryGroup();
afterEach(servers.stopAll);

/** Serves the referrers of `subject` one per page (`?page=N`), each page linking to `next(N)` when it returns one. */
function onePerPage(next: (page: number) => string | undefined, entries: Descriptor[] = referrers) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!url.pathname.startsWith(`/v2/x/referrers/${subject.digest}`)) return void res.writeHead(404).end();
    const page = Number(url.searchParams.get('page') ?? '0');
    const link = next(page);
    const entry = entries[page];
    res.writeHead(200, { 'content-type': INDEX, ...(link === undefined ? {} : { link: `<${link}>; rel="next"` }) });
    res.end(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: entry === undefined ? [] : [entry] }));
  };
}

async function targetOn(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ target: RegistryTarget; registry: FakeRegistry }> {
  const registry = await servers.start(handler);
  return { target: new RegistryTarget(registry.host, 'x', { referrersMode: 'api' }), registry };
}

describe('a paged referrers list', () => {
  it('is read to its last page', async () => {
    const { target, registry } = await targetOn(onePerPage((page) => (page < referrers.length - 1 ? `/v2/x/referrers/${subject.digest}?page=${page + 1}` : undefined)));
    expect(await target.referrers(subject)).toEqual(referrers);
    expect(await target.referrers(subject, { artifactType: SIG })).toEqual(referrers);
    expect(registry.requests).toHaveLength(2 * referrers.length);
  });

  it('that links back to a page already read is a typed error, not a loop or a short list', async () => {
    const { target } = await targetOn(onePerPage((page) => `/v2/x/referrers/${subject.digest}?page=${(page + 1) % 2}`));
    await expect(target.referrers(subject)).rejects.toMatchObject({ code: 'RESPONSE_TOO_LARGE', kind: 'transport', message: expect.stringMatching(/links back/) });
  });

  it('whose pages never end stops at the bound on pages, with an error', async () => {
    const { target, registry } = await targetOn(onePerPage((page) => `/v2/x/referrers/${subject.digest}?page=${page + 1}`, []));
    await expect(target.referrers(subject)).rejects.toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
    expect(registry.requests.length).toBeLessThanOrEqual(1001);
  });

  it('that links to another origin is refused, and nothing is asked there', async () => {
    const other = await servers.start((_req, res) => res.writeHead(200, { 'content-type': INDEX }).end('{"schemaVersion":2,"manifests":[]}'));
    const { target } = await targetOn(onePerPage((page) => (page === 0 ? `http://${other.host}/v2/x/referrers/${subject.digest}?page=1` : undefined)));
    await expect(target.referrers(subject)).rejects.toMatchObject({ code: 'REGISTRY_ERROR', message: expect.stringMatching(/another origin/) });
    expect(other.requests).toEqual([]);
  });

  it('whose later page is past the 4 MiB bound is MANIFEST_TOO_LARGE', async () => {
    const huge = { mediaType: MANIFEST, digest: sha256Of('huge'), size: 1, annotations: { pad: 'x'.repeat(5 * 1024 * 1024) } };
    const { target } = await targetOn(onePerPage((page) => (page === 0 ? `/v2/x/referrers/${subject.digest}?page=1` : undefined), [referrers[0] as Descriptor, huge]));
    await expect(target.referrers(subject)).rejects.toMatchObject({ code: 'MANIFEST_TOO_LARGE' });
  });

  it('whose later page fails is that failure, not the pages read so far', async () => {
    const { target } = await targetOn((req, res) => {
      if (req.url?.includes('page=1') === true) return void res.writeHead(403).end();
      onePerPage(() => `/v2/x/referrers/${subject.digest}?page=1`)(req, res);
    });
    await expect(target.referrers(subject)).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });
});
