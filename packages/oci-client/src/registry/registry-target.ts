import { Readable } from 'node:stream';
import type { ContentSource } from '../content.ts';
import { bytesSource, readAll } from '../content.ts';
import { parseJsonOrUndefined, readBodyPrefix, readBoundedBody } from './bounded-body.ts';
import { isDigest, sha256Of, type Digest } from '../digest.ts';
import { OciError } from '../errors.ts';
import { DEFAULT_MANIFEST_LIMIT } from '../limits.ts';
import { isManifestMediaType, MANIFEST_MEDIA_TYPES, MEDIA_TYPE_OCTET_STREAM } from '../media-types.ts';
import { isValidTag } from '../reference.ts';
import { ImageIndexSchema, indexEntryFor, parseManifest, sniffManifestMediaType, type Descriptor } from '../schemas.ts';
import type { FetchOptions, PushOptions, ReferrersOptions, Target } from '../target.ts';
import { verifyBytes } from '../verify-stream.ts';
import { alsoAbortedBy } from '../abort.ts';
import { downloadBlob, downloadBlobToFile } from './blob-download.ts';
import { writeFileAtomicWith } from '../fs-atomic.ts';
import { cancelUpload, mountOrStartUpload, uploadBlob, type UploadSession } from './blob-upload.ts';
import { discardBody, headerValue, RegistryHttpClient, type HttpClientOptions, type RegistryResponse } from './http-client.ts';
import { nextLink } from './link-header.ts';
import { TagListSchema } from './tag-list.ts';
import { readFallbackIndex, type TaggedManifestStore } from './referrers-tag-schema.ts';
import { ReferrersIndexWriter } from './referrers-index-writer.ts';

/** Tags asked for per page; distribution's own default page is 100. */
const TAG_PAGE_SIZE = 1000;
/** A paged list past these is refused: at 1,000 tags a page, 100 pages already hold 100,000 tags. */
const MAX_PAGES = 1000;
const MAX_TAGS = 100_000;
/** Referrers of one subject: signatures, attestations, SBOMs of every push; 10,000 is far past any real graph. */
const MAX_REFERRERS = 10_000;
/** An error answer's body matters only for its first distribution-spec error code. */
const ERROR_BODY_LIMIT = 64 * 1024;

export interface RegistryTargetOptions extends HttpClientOptions {
  manifestLimit?: number;
  /** Blobs at least this large are uploaded in resumable PATCH requests. Default 64 MiB. */
  chunkedThreshold?: number;
  /** Bytes per PATCH; 0 (default) sends the rest of the blob in one PATCH. */
  chunkSize?: number;
  /** Share one HTTP client (connections, tokens) between repositories of the same registry. */
  client?: RegistryHttpClient;
  /**
   * How referrers are found and recorded (oras's `--distribution-spec`): `auto` uses the referrers
   * API and falls back to the tag schema where the registry lacks it; `api` and `tag-schema` force one.
   */
  referrersMode?: ReferrersMode;
}

export type ReferrersMode = 'auto' | 'api' | 'tag-schema';

/** How one list the registry may page is read (RegistryTarget.readPages). */
interface PagedList<T> {
  /** Names the list in messages: "the tag list of oci://…". */
  what: string;
  headers?: Record<string, string>;
  /** The code of a page past the body bound (default RESPONSE_TOO_LARGE). */
  tooLarge?: 'MANIFEST_TOO_LARGE';
  maxEntries: number;
  /** One page's entries, each with the key it is de-duplicated by; throws on a malformed page. */
  entries(bytes: Uint8Array, response: RegistryResponse): Array<[string, T]>;
}

const ACCEPT_MANIFESTS = MANIFEST_MEDIA_TYPES.join(', ');

/** One repository of a registry speaking the OCI distribution-spec, as a Target. */
export class RegistryTarget implements Target {
  readonly registry: string;
  readonly repository: string;
  readonly location: string;
  readonly client: RegistryHttpClient;
  private readonly base: string;
  private readonly manifestLimit: number;
  private readonly chunkedThreshold: number;
  private readonly chunkSize: number;
  private readonly ownsClient: boolean;
  private readonly referrersMode: ReferrersMode;
  /** Learnt in `auto` mode from the registry's first answer: use the tag schema without asking again. */
  private referrersApiAbsent = false;

  private readonly taggedStore: TaggedManifestStore;
  private readonly referrersIndex: ReferrersIndexWriter;
  private readonly deferred = new Set<Promise<void>>();

  constructor(registry: string, repository: string, options: RegistryTargetOptions = {}) {
    this.registry = registry;
    this.repository = repository;
    this.location = `oci://${registry}/${repository}`;
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? new RegistryHttpClient(registry, options);
    // The client's origin, so that every URL built here is one its credentials go to.
    this.base = `${this.client.origin}/v2/${repository}/`;
    this.manifestLimit = options.manifestLimit ?? DEFAULT_MANIFEST_LIMIT;
    this.chunkedThreshold = options.chunkedThreshold ?? 64 * 1024 * 1024;
    this.chunkSize = options.chunkSize ?? 0;
    this.referrersMode = options.referrersMode ?? 'auto';
    this.taggedStore = {
      readTagged: async (tag) => {
        try {
          const { bytes, mediaType, response } = await this.getManifest(tag, ACCEPT_MANIFESTS);
          const etag = headerValue(response, 'etag');
          return { bytes, mediaType, ...(etag === undefined ? {} : { etag }) };
        } catch (error) {
          if (error instanceof OciError && error.code === 'NOT_FOUND') return undefined;
          throw error;
        }
      },
      writeTagged: async (tag, bytes, mediaType, ifMatch) => {
        const response = await this.client.send({
          method: 'PUT',
          url: this.url('manifests', tag),
          scopes: this.pushScopes,
          headers: { 'content-type': mediaType, ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }) },
          body: () => Buffer.from(bytes),
        });
        if (response.status === 412) {
          await discardBody(response);
          return false;
        }
        if (response.status !== 201) throw await this.client.errorFor(response, `update referrers index ${tag} in ${this.location}`);
        await discardBody(response);
        return true;
      },
    };
    this.referrersIndex = new ReferrersIndexWriter(this.taggedStore);
  }

  /**
   * Whether referrers are read from tag-schema indexes here: by choice, or because the registry
   * turned out to have no referrers API (known after the first `referrers` call in `auto` mode).
   */
  get readsReferrersByTagSchema(): boolean {
    return this.referrersMode === 'tag-schema' || (this.referrersMode === 'auto' && this.referrersApiAbsent);
  }

  private get pullScopes(): string[] {
    return [`repository:${this.repository}:pull`];
  }

  private get pushScopes(): string[] {
    return [`repository:${this.repository}:pull,push`];
  }

  private url(kind: 'blobs' | 'manifests', reference: string): string {
    return `${this.base}${kind}/${encodeURIComponent(reference).replace(/%3A/g, ':')}`;
  }

  private kindOf(descriptor: Descriptor): 'blobs' | 'manifests' {
    return isManifestMediaType(descriptor.mediaType) ? 'manifests' : 'blobs';
  }

  async exists(descriptor: Descriptor): Promise<boolean> {
    const kind = this.kindOf(descriptor);
    const response = await this.client.send({
      method: 'HEAD',
      url: this.url(kind, descriptor.digest),
      scopes: this.pullScopes,
      ...(kind === 'manifests' ? { headers: { accept: descriptor.mediaType } } : {}),
    });
    await discardBody(response);
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw await this.client.errorFor(response, `HEAD ${descriptor.digest} in ${this.location}`);
  }

  async fetch(descriptor: Descriptor, options: FetchOptions = {}): Promise<Readable> {
    if (this.kindOf(descriptor) === 'manifests') {
      return Readable.from([Buffer.from(await this.fetchManifest(descriptor, options))]);
    }
    return downloadBlob(this.client, this.url('blobs', descriptor.digest), this.pullScopes, descriptor, options);
  }

  async fetchToFile(descriptor: Descriptor, path: string, options: FetchOptions = {}): Promise<void> {
    if (this.kindOf(descriptor) === 'manifests') {
      const bytes = await this.fetchManifest(descriptor, options);
      await writeFileAtomicWith(path, (writer) => writer.write(bytes));
      return;
    }
    await downloadBlobToFile(this.client, this.url('blobs', descriptor.digest), this.pullScopes, descriptor, path, options);
  }

  /** GET a manifest with a size cap that holds even when Content-Length lies. */
  private async getManifest(reference: string, accept: string, options: FetchOptions = {}): Promise<{ bytes: Uint8Array; mediaType: string; response: RegistryResponse }> {
    const response = await this.client.send({
      method: 'GET',
      url: this.url('manifests', reference),
      scopes: this.pullScopes,
      headers: { accept },
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (response.status !== 200) throw await this.client.errorFor(response, `manifest ${reference} in ${this.location}`);
    let bytes: Uint8Array;
    try {
      bytes = await readBoundedBody(response, { limit: this.manifestLimit, what: `manifest ${reference}`, code: 'MANIFEST_TOO_LARGE' });
    } catch (error) {
      throw this.client.transportError(error, { method: 'GET', url: this.url('manifests', reference) });
    }
    const contentType = headerValue(response, 'content-type')?.split(';')[0]?.trim();
    const mediaType = contentType !== undefined && isManifestMediaType(contentType) ? contentType : sniffManifestMediaType(bytes);
    return { bytes, mediaType, response };
  }

  async fetchManifest(descriptor: Descriptor, options: FetchOptions = {}): Promise<Uint8Array> {
    if (descriptor.size > this.manifestLimit) {
      throw new OciError('MANIFEST_TOO_LARGE', `manifest ${descriptor.digest} is ${descriptor.size} bytes, over the ${this.manifestLimit}-byte limit`);
    }
    const { bytes } = await this.getManifest(descriptor.digest, descriptor.mediaType, options);
    verifyBytes(bytes, descriptor);
    return bytes;
  }

  async push(descriptor: Descriptor, content: ContentSource, options: PushOptions & { tag?: string } = {}): Promise<void> {
    if (isManifestMediaType(descriptor.mediaType)) {
      await this.pushManifest(descriptor, content, options.tag, false);
      return;
    }
    if (options.tag !== undefined) throw new OciError('INVALID_INPUT', 'only manifests can be tagged');
    await this.pushBlob(descriptor, content, undefined, options);
  }

  /** BlobMounter: a blob of another repository of this registry arrives without its bytes where the registry mounts. */
  async pushMounting(descriptor: Descriptor, content: ContentSource, fromRepository: string, options: PushOptions = {}): Promise<'mounted' | 'present' | 'uploaded'> {
    return this.pushBlob(descriptor, content, fromRepository === this.repository ? undefined : fromRepository, options);
  }

  /**
   * ReferrersBatcher: return once the manifest is stored and leave its fallback-index entry queued;
   * `flushReferrers()` waits for the queue. Bulk copies use it so index updates of many referrers
   * coalesce instead of each waiting its turn.
   */
  async pushDeferringReferrers(descriptor: Descriptor, content: ContentSource, options: PushOptions & { tag?: string } = {}): Promise<void> {
    await this.pushManifest(descriptor, content, options.tag, true);
  }

  private async pushBlob(descriptor: Descriptor, content: ContentSource, mountFrom: string | undefined, options: PushOptions): Promise<'mounted' | 'present' | 'uploaded'> {
    let session: UploadSession | undefined;
    if (mountFrom !== undefined) {
      // Mount first: one request instead of HEAD then POST, and 201 whether or not the blob was
      // here already. Only a registry that opens a session instead (no mounting) is asked below.
      const mount = await mountOrStartUpload(this.client, this.base, this.repository, descriptor.digest, descriptor.size, mountFrom, options.signal).catch((error: unknown) => {
        // A registry that refuses the mount request itself (rather than opening a session, as the
        // spec asks) still takes a plain upload: fall through to it.
        if (error instanceof OciError && error.status !== undefined && [400, 404, 405].includes(error.status)) return undefined;
        throw error;
      });
      if (mount?.mounted === true) {
        options.onProgress?.(descriptor.size);
        return 'mounted';
      }
      if (mount !== undefined) session = { url: mount.url, minChunk: mount.minChunk };
    }
    if (await this.exists(descriptor)) {
      if (session !== undefined) await cancelUpload(this.client, this.repository, session);
      options.onProgress?.(descriptor.size);
      return 'present';
    }
    await uploadBlob(this.client, this.base, this.repository, descriptor, content, {
      chunkedThreshold: this.chunkedThreshold,
      chunkSize: this.chunkSize,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      ...(session === undefined ? {} : { session }),
    });
    return 'uploaded';
  }

  /** Blobs at least this large are pushed by `pushHashingAlong` when their digest is not yet known. */
  get hashAlongThreshold(): number {
    return this.chunkedThreshold;
  }

  /**
   * Pushes a blob while its digest is still being computed (a large file being hashed): the bytes
   * stream up in PATCH requests meanwhile, and only the closing PUT waits for the digest. Once the
   * digest is known the registry is asked whether it already has the blob; if so the upload is
   * abandoned and its session given back (uploadBlob), so an unchanged re-push still costs one hash pass.
   */
  async pushHashingAlong(size: number, digest: Promise<Digest>, content: ContentSource, options: PushOptions = {}): Promise<void> {
    // Ours to abandon the upload with, once the digest shows the blob is here already.
    const abandon = new AbortController();
    const upload = uploadBlob(this.client, this.base, this.repository, { size, digest }, content, {
      chunkedThreshold: 0,
      chunkSize: this.chunkSize,
      signal: alsoAbortedBy(options.signal, abandon.signal),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
    // The upload can fail while the digest is still being computed; it is awaited below, but a
    // rejection with no handler by then is an unhandled rejection, which ends a Node process.
    upload.catch(() => undefined);
    let known: Digest;
    try {
      known = await digest;
    } catch (error) {
      abandon.abort();
      await upload.catch(() => undefined);
      throw error;
    }
    if (await this.exists({ mediaType: MEDIA_TYPE_OCTET_STREAM, digest: known, size })) {
      abandon.abort();
      await upload.catch(() => undefined);
      options.onProgress?.(size);
      return;
    }
    await upload;
  }

  /** Waits for every deferred fallback-index update; the first failure among them is thrown. */
  async flushReferrers(): Promise<void> {
    const pending = [...this.deferred];
    this.deferred.clear();
    const results = await Promise.allSettled(pending);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  private async pushManifest(descriptor: Descriptor, content: ContentSource, tag: string | undefined, defer: boolean): Promise<void> {
    if (descriptor.size > this.manifestLimit) {
      throw new OciError('MANIFEST_TOO_LARGE', `manifest is ${descriptor.size} bytes, over the ${this.manifestLimit}-byte limit`);
    }
    if (tag !== undefined && !isValidTag(tag)) throw new OciError('INVALID_REFERENCE', `'${tag}' is not a valid tag`);
    const bytes = await readAll(content.open(0), this.manifestLimit);
    verifyBytes(bytes, descriptor);
    const parsed = parseManifest(bytes, descriptor.mediaType);
    const response = await this.putManifest(descriptor, bytes, tag ?? descriptor.digest);
    const subject = parsed.manifest.subject;
    // distribution-spec "Pushing Manifests with Subject": a registry that processed the subject
    // says so with OCI-Subject; otherwise the client MUST keep the referrers tag schema index
    // itself, also when the API was asked for (a referrer nobody can find is worse than an index).
    const handled = headerValue(response, 'oci-subject') !== undefined && this.referrersMode !== 'tag-schema';
    if (subject !== undefined && !handled) {
      const update = this.referrersIndex.update(subject.digest, { add: [indexEntryFor(descriptor, parsed)] });
      if (defer) {
        // Kept (and its rejection observed) until flushReferrers() reports it.
        update.catch(() => undefined);
        this.deferred.add(update);
      } else {
        await update;
      }
    }
  }

  /** One manifest PUT, checked: 201, and stored under the digest it was sent as. */
  private async putManifest(descriptor: Descriptor, bytes: Uint8Array, reference: string): Promise<RegistryResponse> {
    const response = await this.client.send({
      method: 'PUT',
      url: this.url('manifests', reference),
      scopes: this.pushScopes,
      headers: { 'content-type': descriptor.mediaType },
      body: () => Buffer.from(bytes),
    });
    if (response.status !== 201) throw await this.client.errorFor(response, `push manifest ${reference} to ${this.location}`);
    await discardBody(response);
    const stored = headerValue(response, 'docker-content-digest');
    if (stored !== undefined && stored !== descriptor.digest) {
      throw new OciError('DIGEST_MISMATCH', `the registry stored the manifest as ${stored}, expected ${descriptor.digest}`);
    }
    return response;
  }

  async resolveBlob(digest: Digest): Promise<Descriptor> {
    const response = await this.client.send({ method: 'HEAD', url: this.url('blobs', digest), scopes: this.pullScopes });
    await discardBody(response);
    if (response.status !== 200) throw await this.client.errorFor(response, `blob ${digest} in ${this.location}`);
    const size = Number(headerValue(response, 'content-length'));
    if (!Number.isInteger(size) || size < 0) throw new OciError('REGISTRY_ERROR', `the registry gave no size for blob ${digest}`);
    return { mediaType: MEDIA_TYPE_OCTET_STREAM, digest, size };
  }

  async resolve(reference: string, options: FetchOptions = {}): Promise<Descriptor> {
    if (!isDigest(reference) && !isValidTag(reference)) throw new OciError('INVALID_REFERENCE', `'${reference}' is neither a tag nor a digest`);
    const response = await this.client.send({
      method: 'HEAD',
      url: this.url('manifests', reference),
      scopes: this.pullScopes,
      headers: { accept: ACCEPT_MANIFESTS },
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    await discardBody(response);
    if (response.status === 200) {
      const digest = headerValue(response, 'docker-content-digest');
      const size = Number(headerValue(response, 'content-length'));
      const mediaType = headerValue(response, 'content-type')?.split(';')[0]?.trim();
      if (digest !== undefined && isDigest(digest) && Number.isInteger(size) && mediaType !== undefined && isManifestMediaType(mediaType)) {
        if (isDigest(reference) && digest !== reference) throw new OciError('DIGEST_MISMATCH', `the registry answered ${reference} with ${digest}`);
        return { mediaType, digest, size };
      }
    } else if (response.status !== 405) {
      // distribution-spec lets a registry refuse HEAD; anything else is an answer.
      throw await this.client.errorFor(response, `${reference} in ${this.location}`);
    }
    // No usable HEAD: fetch the manifest and describe it ourselves.
    const { bytes, mediaType } = await this.getManifest(reference, ACCEPT_MANIFESTS, options);
    parseManifest(bytes, mediaType);
    const digest = sha256Of(bytes);
    if (isDigest(reference) && digest !== reference) throw new OciError('DIGEST_MISMATCH', `the registry answered ${reference} with content of digest ${digest}`);
    return { mediaType, digest, size: bytes.byteLength };
  }

  async tag(descriptor: Descriptor, tag: string, ...more: string[]): Promise<void> {
    for (const name of [tag, ...more]) if (!isValidTag(name)) throw new OciError('INVALID_REFERENCE', `'${name}' is not a valid tag`);
    // Fetched once for all the tags; the first PUT also sees to the subject's referrers, as a push does.
    const bytes = await this.fetchManifest(descriptor);
    await this.pushManifest(descriptor, bytesSource(bytes), tag, false);
    for (const name of more) await this.putManifest(descriptor, bytes, name);
  }

  async tags(): Promise<string[]> {
    // distribution-spec "Listing Tags": ask for pages of `n` and follow `Link: <…>; rel="next"`.
    const url = `${this.base}tags/list?n=${TAG_PAGE_SIZE}`;
    const what = `the tag list of ${this.location}`;
    const response = await this.client.send({ method: 'GET', url, scopes: this.pullScopes });
    // distribution answers 404 NAME_UNKNOWN for a repository it does not have (or that has no tag
    // yet): an error, not an empty list that reads as "exists, untagged".
    if (response.status !== 200) throw await this.client.errorFor(response, `tags of ${this.location}`);
    const tags = await this.readPages(url, response, {
      what,
      maxEntries: MAX_TAGS,
      entries: (bytes) => {
        const parsed = TagListSchema.safeParse(parseJsonOrUndefined(bytes));
        if (!parsed.success) throw new OciError('REGISTRY_ERROR', `the registry's tag list for ${this.repository} is malformed`);
        return (parsed.data.tags ?? []).map((tag) => [tag, tag]);
      },
    });
    // distribution 2.8 returns tags unsorted and may ignore `n`/`last`: sort here for a stable answer.
    return tags.sort();
  }

  /**
   * Reads a list the registry pages with `Link: <…>; rel="next"` (distribution-spec "Listing Tags",
   * "Listing Referrers"), from its first answer (already checked to be 200) to its last page,
   * keeping the first entry of each key. Every way a page chain can go wrong is an error, never a
   * list cut short in silence (a short referrers list hides a revocation; a short tag list reads as
   * "those are all the tags"): a Link back to a page already read, more than MAX_PAGES pages or
   * `maxEntries` entries, a page past the body bound, a later page that fails, and a Link to another
   * origin (the next page of a registry's list is the registry's to give; its credentials would not
   * go there either, see RegistryHttpClient.sendOnce).
   */
  private async readPages<T>(url: string, first: RegistryResponse, list: PagedList<T>): Promise<T[]> {
    const all = new Map<string, T>();
    const seen = new Set<string>([url]);
    let page = url;
    let response = first;
    for (;;) {
      const current = page;
      const bytes = await readBoundedBody(response, { limit: this.manifestLimit, what: `a page of ${list.what}`, ...(list.tooLarge === undefined ? {} : { code: list.tooLarge }) }).catch(
        (error: unknown) => {
          throw this.client.transportError(error, { method: 'GET', url: current });
        },
      );
      for (const [key, entry] of list.entries(bytes, response)) if (!all.has(key)) all.set(key, entry);
      if (all.size > list.maxEntries) throw new OciError('RESPONSE_TOO_LARGE', `${list.what} holds more than ${list.maxEntries} entries`);
      const next = nextLink(headerValue(response, 'link'), current);
      if (next === undefined) return [...all.values()];
      if (new URL(next).origin !== this.client.origin) throw new OciError('REGISTRY_ERROR', `${list.what} links to another origin (${new URL(next).origin}) for its next page`);
      if (seen.has(next)) throw new OciError('RESPONSE_TOO_LARGE', `${list.what} links back to a page it already gave (${seen.size} pages read)`);
      if (seen.size >= MAX_PAGES) throw new OciError('RESPONSE_TOO_LARGE', `${list.what} runs past ${MAX_PAGES} pages`);
      seen.add(next);
      page = next;
      response = await this.client.send({ method: 'GET', url: next, scopes: this.pullScopes, ...(list.headers === undefined ? {} : { headers: list.headers }) });
      if (response.status !== 200) throw await this.client.errorFor(response, `a page of ${list.what}`);
    }
  }

  async delete(descriptor: Descriptor): Promise<void> {
    const kind = this.kindOf(descriptor);
    // A deleted referrer must leave its subject's fallback index too (distribution-spec "Deleting Manifests").
    const subject = kind === 'manifests' && this.referrersMode !== 'api' ? await this.subjectOf(descriptor) : undefined;
    const response = await this.client.send({ method: 'DELETE', url: this.url(kind, descriptor.digest), scopes: [`repository:${this.repository}:delete`] });
    if (response.status !== 202 && response.status !== 200 && response.status !== 204) {
      throw await this.client.errorFor(response, `delete ${descriptor.digest} from ${this.location}`);
    }
    await discardBody(response);
    if (subject !== undefined) await this.referrersIndex.update(subject, { remove: [descriptor.digest] });
  }

  private async subjectOf(descriptor: Descriptor): Promise<Digest | undefined> {
    try {
      return parseManifest(await this.fetchManifest(descriptor), descriptor.mediaType).manifest.subject?.digest;
    } catch (error) {
      if (error instanceof OciError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  async referrers(subject: Descriptor, options: ReferrersOptions = {}): Promise<Descriptor[]> {
    if (this.readsReferrersByTagSchema) return this.referrersFromTagSchema(subject, options);
    const url = new URL(`${this.base}referrers/${subject.digest}`);
    if (options.artifactType !== undefined) url.searchParams.set('artifactType', options.artifactType);
    const headers = { accept: 'application/vnd.oci.image.index.v1+json' };
    const response = await this.client.send({ method: 'GET', url: url.toString(), scopes: this.pullScopes, headers });
    if (response.status === 200) {
      // distribution-spec "Listing Referrers": the registry MAY page the index with a Link header;
      // every page is read, or the call fails, so no referrer (a revocation) is hidden on a later one.
      return this.readPages(url.toString(), response, {
        what: `the referrers list of ${subject.digest}`,
        headers,
        tooLarge: 'MANIFEST_TOO_LARGE',
        maxEntries: MAX_REFERRERS,
        entries: (bytes, page) => {
          const index = ImageIndexSchema.safeParse(parseJsonOrUndefined(bytes));
          if (!index.success) throw new OciError('REGISTRY_ERROR', `the referrers answer for ${subject.digest} is not an image index`);
          // Each page says whether it was filtered (distribution-spec "Listing Referrers": OCI-Filters-Applied).
          const filtered = headerValue(page, 'oci-filters-applied')?.includes('artifactType') === true;
          return index.data.manifests.filter((d) => filtered || options.artifactType === undefined || d.artifactType === options.artifactType).map((d) => [d.digest, d]);
        },
      });
    }
    if ((response.status !== 404 && response.status !== 400 && response.status !== 405) || this.referrersMode === 'api') {
      await discardBody(response);
      throw new OciError(
        response.status === 404 ? 'UNSUPPORTED' : 'REGISTRY_ERROR',
        `referrers of ${subject.digest}: HTTP ${response.status}${this.referrersMode === 'api' ? ' (the registry has no referrers API?)' : ''}`,
        { status: response.status },
      );
    }
    // distribution-spec "Listing Referrers": a registry with the API never answers 404 for a
    // repository that exists, so the answer holds for every later subject here, and a copy of a
    // graph asks once instead of once per node. A NAME_UNKNOWN error (no such repository yet) says
    // nothing about the API.
    const text = await readBodyPrefix(response, ERROR_BODY_LIMIT).catch(() => '');
    if (response.status === 404 && !text.includes('NAME_UNKNOWN')) this.referrersApiAbsent = true;
    return this.referrersFromTagSchema(subject, options);
  }

  /** distribution-spec "Referrers Tag Schema": the fallback index lives at tag `<alg>-<hex>`. */
  private async referrersFromTagSchema(subject: Descriptor, options: ReferrersOptions): Promise<Descriptor[]> {
    const fallback = await readFallbackIndex(this.taggedStore, subject.digest);
    return (fallback?.index.manifests ?? []).filter((d) => options.artifactType === undefined || d.artifactType === options.artifactType);
  }

  async close(): Promise<void> {
    await this.flushReferrers().catch(() => undefined);
    if (this.ownsClient) await this.client.close();
  }
}
