import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { describe, expect, inject, it } from 'vitest';
import { startFaultProxy, startRecordingProxy, startTokenAuthRegistry, TEST_PASSWORD, TEST_USER, uniqueRepository, uploadSessionsDir } from '@sealpack/test-registry';
import { bytesSource, packLayers, pushPacked, sha256Of, staticCredential, type Descriptor, type PackedLayer } from '../src/index.ts';
import { RegistryTarget, referrersTag } from '../src/entries/registry.ts';

const registries = inject('registries');

function layer(text: string): PackedLayer {
  const bytes = new TextEncoder().encode(text);
  return {
    descriptor: { mediaType: 'text/plain', digest: sha256Of(bytes), size: bytes.byteLength, annotations: { 'org.opencontainers.image.title': `${text.slice(0, 10)}.txt` } },
    source: bytesSource(bytes),
  };
}

function randomBlob(size: number): { descriptor: Descriptor; bytes: Buffer } {
  const bytes = randomBytes(size);
  return { bytes, descriptor: { mediaType: 'application/octet-stream', digest: sha256Of(bytes), size } };
}

describe('registry operations on distribution 2.8', () => {
  it('lists tags sorted although the registry returns them unsorted', async () => {
    const target = new RegistryTarget(registries.anonymous.host, uniqueRepository());
    const artifact = packLayers([layer('tags')], { created: null });
    await pushPacked(target, artifact, { tag: 'zeta' });
    await target.tag(artifact.descriptor, 'alpha', 'Mid', 'beta-2', '0first');
    expect(await target.tags()).toEqual(['0first', 'Mid', 'alpha', 'beta-2', 'zeta']);
    // A repository the registry does not have is an error (NAME_UNKNOWN), not an empty tag list.
    await expect(new RegistryTarget(registries.anonymous.host, uniqueRepository()).tags()).rejects.toMatchObject({ code: 'NOT_FOUND', kind: 'transport' });
  });

  it('fetches a new token when the registry stops taking one the client still believes valid', async () => {
    // The client holds a token it was told lasts 300 s; the test then makes every issued token one
    // the real registry refuses (a proxy turns it into garbage), as after clock skew or revocation.
    const { registry, tokens, stop } = await startTokenAuthRegistry();
    const proxy = await startRecordingProxy(registry.port, { rewriteAuthorization: (value) => (tokens.isRevoked(value.replace(/^Bearer /, '')) ? 'Bearer revoked' : undefined) });
    try {
      const target = new RegistryTarget(proxy.host, uniqueRepository(), { credentials: staticCredential({ kind: 'basic', username: TEST_USER, password: TEST_PASSWORD }) });
      const first = packLayers([layer('before expiry')], { created: null });
      await pushPacked(target, first, { tag: 'v1' });
      const issued = tokens.requests.length;
      tokens.revokeIssued();
      const before = proxy.requests.length;
      const second = packLayers([layer('after expiry')], { created: null });
      await pushPacked(target, second, { tag: 'v2' });
      expect((await target.resolve('v2')).digest).toBe(second.descriptor.digest);
      // Each held token (one per scope set) was refused once, never reused, and new ones carried the push.
      const refused = proxy.requests.slice(before).filter((r) => r.status === 401 && tokens.isRevoked((r.authorization ?? '').replace(/^Bearer /, '')));
      expect(refused.length).toBeGreaterThan(0);
      expect(new Set(refused.map((r) => r.authorization)).size).toBe(refused.length);
      expect(tokens.requests.length).toBeGreaterThan(issued);
      expect(proxy.requests.at(-1)?.status).toBe(200);
    } finally {
      await proxy.stop();
      await stop();
    }
  });

  it('gives back the session of an upload the registry refused, and with it the bytes already sent', async () => {
    const repository = uniqueRepository();
    const target = new RegistryTarget(registries.anonymous.host, repository, { chunkedThreshold: 1024 * 1024, chunkSize: 1024 * 1024 });
    const { bytes } = randomBlob(3 * 1024 * 1024);
    // A descriptor whose digest is not the content's (a lying cache, say): the closing PUT is refused.
    const wrong: Descriptor = { mediaType: 'application/octet-stream', digest: sha256Of(randomBytes(8)), size: bytes.byteLength };
    await expect(target.push(wrong, bytesSource(bytes))).rejects.toMatchObject({ status: 400 });
    const sessions = uploadSessionsDir(registries.anonymous, repository);
    const left = await readdir(sessions, { recursive: true });
    // distribution 2.8 keeps a small hash-state file of a cancelled session; the uploaded data goes.
    expect(left.filter((name) => name.endsWith('data'))).toEqual([]);
  });

  it('deletes a manifest by digest, after which the tag no longer resolves', async () => {
    const target = new RegistryTarget(registries.anonymous.host, uniqueRepository());
    const artifact = packLayers([layer('delete me')], { created: null });
    await pushPacked(target, artifact, { tag: 'v1' });
    expect(await target.exists(artifact.descriptor)).toBe(true);
    await target.delete(artifact.descriptor);
    expect(await target.exists(artifact.descriptor)).toBe(false);
    await expect(target.resolve('v1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(target.delete(artifact.descriptor)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('finds referrers through the OCI 1.1 referrers tag schema, since this registry has no API', async () => {
    const target = new RegistryTarget(registries.anonymous.host, uniqueRepository());
    const subject = packLayers([layer('subject')], { created: null });
    await pushPacked(target, subject, { tag: 'v1' });
    expect(await target.referrers(subject.descriptor)).toEqual([]);
    const sbom = packLayers([layer('sbom')], { created: null, subject: subject.descriptor, artifactType: 'application/spdx+json' });
    await pushPacked(target, sbom);
    const entry = { ...sbom.descriptor };
    const index = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [entry, entry] }));
    await target.push({ mediaType: 'application/vnd.oci.image.index.v1+json', digest: sha256Of(index), size: index.byteLength }, bytesSource(index), { tag: referrersTag(subject.descriptor.digest) });
    expect(await target.referrers(subject.descriptor)).toEqual([entry]);
    expect(await target.referrers(subject.descriptor, { artifactType: 'application/vnd.example.other' })).toEqual([]);
  });

  it('refuses a referrers tag that points at something other than an image index', async () => {
    const target = new RegistryTarget(registries.anonymous.host, uniqueRepository());
    const subject = packLayers([layer('subject2')], { created: null });
    await pushPacked(target, subject, { tag: referrersTag(sha256Of('not really')) });
    await expect(target.referrers({ ...subject.descriptor, digest: sha256Of('not really') })).rejects.toMatchObject({ code: 'INVALID_MANIFEST' });
  });

  it('skips blobs that exist, mounts across repositories, and re-pushes an unchanged artifact almost for free', async () => {
    const proxy = await startFaultProxy(registries.anonymous.port);
    try {
      const from = uniqueRepository();
      const source = new RegistryTarget(proxy.host, from);
      const { descriptor, bytes } = randomBlob(4 * 1024 * 1024);
      await source.push(descriptor, bytesSource(bytes));
      const afterFirst = proxy.upstreamBytes;
      await source.push(descriptor, bytesSource(bytes));
      expect(proxy.upstreamBytes - afterFirst).toBeLessThan(4096);
      const other = new RegistryTarget(proxy.host, uniqueRepository(), { client: source.client });
      const beforeMount = proxy.upstreamBytes;
      await other.pushMounting(descriptor, bytesSource(bytes), from);
      expect(proxy.upstreamBytes - beforeMount).toBeLessThan(4096);
      expect(await other.exists(descriptor)).toBe(true);
      await source.close();
    } finally {
      await proxy.stop();
    }
  });

  it('uploads in several PATCH chunks when asked and the registry assembles the exact blob', async () => {
    const repository = uniqueRepository();
    const target = new RegistryTarget(registries.anonymous.host, repository, { chunkedThreshold: 1, chunkSize: 1024 * 1024 });
    const { descriptor, bytes } = randomBlob(5 * 1024 * 1024 + 123);
    let progress = 0;
    await target.push(descriptor, bytesSource(bytes), { onProgress: (n) => (progress = n) });
    expect(progress).toBe(descriptor.size);
    expect((await target.resolveBlob(descriptor.digest)).size).toBe(descriptor.size);
  });

  it('uploads one-byte and empty blobs in PATCH mode without looping on the ambiguous Range 0-0', async () => {
    const target = new RegistryTarget(registries.anonymous.host, uniqueRepository(), { chunkedThreshold: 0 });
    for (const size of [1, 0, 2]) {
      const { descriptor, bytes } = randomBlob(size);
      await target.push(descriptor, bytesSource(bytes));
      expect((await target.resolveBlob(descriptor.digest)).size).toBe(size);
    }
  });

  it('refuses to push a manifest larger than the cap before sending it', async () => {
    const target = new RegistryTarget(registries.anonymous.host, uniqueRepository(), { manifestLimit: 1024 });
    const many = Array.from({ length: 30 }, (_, i) => layer(`layer number ${i}`));
    const artifact = packLayers(many, { created: null });
    await expect(pushPacked(target, artifact, { tag: 'big' })).rejects.toMatchObject({ code: 'MANIFEST_TOO_LARGE' });
  });

  it('fetches bearer tokens once per scope set and reuses them', async () => {
    const { registry, tokens, stop } = await startTokenAuthRegistry();
    try {
      const repository = uniqueRepository();
      const target = new RegistryTarget(registry.host, repository, { credentials: staticCredential({ kind: 'basic', username: TEST_USER, password: TEST_PASSWORD }) });
      const artifact = packLayers([layer('t1'), layer('t2'), layer('t3')], { created: null });
      await pushPacked(target, artifact, { tag: 'v1' });
      await target.resolve('v1');
      await target.fetchManifest(artifact.descriptor);
      const scopeSets = tokens.requests.map((r) => r.scopes.join(' '));
      expect(new Set(scopeSets).size).toBe(scopeSets.length);
      expect(scopeSets).toContain(`repository:${repository}:pull,push`);
      expect(tokens.requests.every((r) => r.user === TEST_USER)).toBe(true);
      // A cross-repository mount needs one token for two scopes: pull on the source, push here.
      const other = new RegistryTarget(registry.host, uniqueRepository(), { client: target.client });
      const blob = artifact.layers[0]!;
      await other.pushMounting(blob.descriptor, blob.source, repository);
      expect(await other.exists(blob.descriptor)).toBe(true);
      expect(tokens.requests.some((r) => r.scopes.includes(`repository:${repository}:pull`) && r.scopes.includes(`repository:${other.repository}:pull,push`))).toBe(true);
      await target.close();
      const anonymous = new RegistryTarget(registry.host, repository);
      await expect(anonymous.resolve('v1')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    } finally {
      await stop();
    }
  });
});
