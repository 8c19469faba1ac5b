import { isDigest, type Digest } from './digest.ts';
import { OciError } from './errors.ts';

/** A manifest in a registry repository: `[oci://]HOST[:PORT]/REPO[:TAG][@DIGEST]`. */
export interface RegistryReference {
  kind: 'registry';
  /** Host as written, with port; Docker Hub spellings are normalised to `docker.io`. */
  registry: string;
  repository: string;
  tag?: string;
  digest?: Digest;
}

/** A manifest in an OCI image layout directory: `ocidir://PATH[:TAG][@DIGEST]`. */
export interface LayoutReference {
  kind: 'layout';
  path: string;
  tag?: string;
  digest?: Digest;
}

export type Reference = RegistryReference | LayoutReference;

const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

// distribution/reference grammar (reference/regexp.go, mirrored in distribution-spec "Pulling
// manifests"): path components, tag and host rules.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const PORT = /^[0-9]{1,5}$/;
const IPV6_HOST = /^\[[a-fA-F0-9:.]+\](?::[0-9]{1,5})?$/;
const MAX_NAME_LENGTH = 255;

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

export function isValidRepository(repository: string): boolean {
  return repository.length > 0 && repository.length <= MAX_NAME_LENGTH && repository.split('/').every((c) => PATH_COMPONENT.test(c));
}

function isValidHost(host: string): boolean {
  if (IPV6_HOST.test(host)) return true;
  const colon = host.lastIndexOf(':');
  const name = colon === -1 ? host : host.slice(0, colon);
  if (colon !== -1) {
    const port = host.slice(colon + 1);
    if (!PORT.test(port) || Number(port) > 65535) return false;
  }
  return name.length > 0 && name.split('.').every((c) => DOMAIN_COMPONENT.test(c));
}

/** docker's rule: the first component names a registry when it has a dot, a port, or is localhost. */
function looksLikeHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component !== component.toLowerCase();
}

function invalid(input: string, why: string): OciError {
  return new OciError('INVALID_REFERENCE', `invalid reference '${input}': ${why}`);
}

/** Splits `NAME[:TAG][@DIGEST]`, where NAME may itself hold colons (a port, a path). */
function splitTagAndDigest(input: string, body: string): { name: string; tag?: string; digest?: Digest } {
  let name = body;
  let digest: Digest | undefined;
  const at = name.lastIndexOf('@');
  if (at !== -1) {
    const candidate = name.slice(at + 1);
    if (!isDigest(candidate)) throw invalid(input, `'${candidate}' is not a digest (want sha256:<64 hex>)`);
    digest = candidate;
    name = name.slice(0, at);
  }
  let tag: string | undefined;
  const colon = name.lastIndexOf(':');
  if (colon !== -1 && !name.slice(colon + 1).includes('/')) {
    const candidate = name.slice(colon + 1);
    if (!isValidTag(candidate)) throw invalid(input, `'${candidate}' is not a valid tag`);
    tag = candidate;
    name = name.slice(0, colon);
  }
  return { name, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

export function parseReference(input: string): Reference {
  if (input.trim() !== input || input.length === 0) throw invalid(input, 'empty or surrounded by white space');
  if (input.startsWith('ocidir://')) return parseLayoutReference(input);
  const body = input.startsWith('oci://') ? input.slice('oci://'.length) : input;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(body)) throw invalid(input, 'unknown scheme (use oci:// or ocidir://)');

  const slash = body.indexOf('/');
  const first = slash === -1 ? body : body.slice(0, slash);
  let registry: string;
  let rest: string;
  if (slash !== -1 && looksLikeHost(first.split('@')[0] ?? first)) {
    registry = first;
    rest = body.slice(slash + 1);
  } else {
    // CLI.md "References": `127.0.0.1:5000` or `registry.example` alone names a host but no
    // repository; read as a Docker Hub name it would send the push to Docker Hub. Official
    // one-word Docker Hub names hold no dot, so a dotted first part (or localhost) is refused.
    const hostPart = splitTagAndDigest(input, body).name;
    if (slash === -1 && (hostPart.includes('.') || hostPart === 'localhost')) {
      throw invalid(input, `'${first.split('@')[0] ?? first}' names a registry host but no repository (add /REPO, e.g. ${first.split('@')[0] ?? first}/data/parks:v1)`);
    }
    registry = DOCKER_HUB;
    rest = body;
  }
  if (!isValidHost(registry)) throw invalid(input, `'${registry}' is not a valid registry host`);
  if (DOCKER_HUB_ALIASES.has(registry.toLowerCase())) registry = DOCKER_HUB;

  const { name, tag, digest } = splitTagAndDigest(input, rest);
  let repository = name;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (!isValidRepository(repository)) {
    throw invalid(input, `'${name}' is not a valid repository (lowercase letters, digits, '.', '_', '-' and '/' separators)`);
  }
  return { kind: 'registry', registry, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

function parseLayoutReference(input: string): LayoutReference {
  const { name, tag, digest } = splitTagAndDigest(input, input.slice('ocidir://'.length));
  if (name.length === 0) throw invalid(input, 'missing layout directory path');
  if (name.includes('\0')) throw invalid(input, 'path contains a NUL byte');
  return { kind: 'layout', path: name, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** The tag or digest a reference selects: the digest when both are given (it is the stronger claim). */
export function referenceSelector(ref: Reference): string | undefined {
  return ref.digest ?? ref.tag;
}

export function formatReference(ref: Reference): string {
  const suffix = `${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
  if (ref.kind === 'layout') return `ocidir://${ref.path}${suffix}`;
  return `oci://${ref.registry}/${ref.repository}${suffix}`;
}

/**
 * A repository as records, statements and policy destinations name it: `HOST/REPO`, or
 * `ocidir://PATH` for a layout (cosign's subject name). One spelling everywhere, so that a policy's
 * destination pattern means the same to the CLI and to a library caller.
 */
export function repositoryName(ref: Reference): string {
  return formatReference({ ...ref, tag: undefined, digest: undefined }).replace(/^oci:\/\//, '');
}

/** The printed, digest-pinned form (`oci://HOST/REPO@sha256:…`), without the tag. */
export function pinnedReference(ref: Reference, digest: Digest): string {
  const { tag: _tag, ...rest } = ref;
  return formatReference({ ...rest, digest });
}

/**
 * Whether two references name the same repository (registry and repository, or the same layout
 * path as written). A referrer must live in its subject's repository: distribution-spec "Listing
 * Referrers" looks only there.
 */
export function sameRepository(a: Reference, b: Reference): boolean {
  if (a.kind === 'layout') return b.kind === 'layout' && a.path === b.path;
  return b.kind === 'registry' && a.registry === b.registry && a.repository === b.repository;
}

/** The host an HTTP client talks to: Docker Hub's API lives on another name than its references. */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
}

/** distribution-spec has no scheme in references; loopback speaks plain HTTP by convention (CLI.md). */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(0, registry.indexOf(']') + 1) : registry.split(':')[0];
  return host === 'localhost' || host === '[::1]' || (host !== undefined && /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host));
}

export interface SchemeOptions {
  /** `true` forces HTTP, `false` forces HTTPS; unset follows the rule below. */
  plainHttp?: boolean | undefined;
  ca?: unknown;
  insecure?: boolean | undefined;
}

/**
 * CLI.md "References": loopback speaks plain HTTP unless TLS is asked for, by `plainHttp: false`, a
 * CA to trust or `insecure`; asking for TLS settings and then speaking HTTP would drop them silently.
 */
export function registryScheme(registry: string, options: SchemeOptions): 'http' | 'https' {
  if (options.plainHttp !== undefined) return options.plainHttp ? 'http' : 'https';
  const asksForTls = options.ca !== undefined || options.insecure === true;
  return !asksForTls && isLoopbackRegistry(registry) ? 'http' : 'https';
}
