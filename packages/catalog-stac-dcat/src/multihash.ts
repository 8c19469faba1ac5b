import { CatalogError } from './errors.ts';

// The file extension's `file:checksum` is a multihash (multiformats): a varint hash-function code,
// a varint digest length, the digest, all hex-encoded. sha2-256 is code 0x12, 32 bytes: "1220…".
const SHA2_256 = '1220';

/** `sha256:<hex>` (an OCI digest) as the multihash `1220<hex>`. */
export function digestToMultihash(digest: string): string {
  const hex = /^sha256:([a-f0-9]{64})$/.exec(digest)?.[1];
  if (hex === undefined) throw new CatalogError('INVALID_RECORD_DIGEST', `${digest} is not a sha256 digest`);
  return `${SHA2_256}${hex}`;
}

/**
 * The OCI digest a multihash names, when it is sha2-256; another function (sha2-512 `1340…`,
 * blake2b, md5 `d50110…`) cannot be compared with an OCI digest and is refused by name.
 */
export function multihashToDigest(multihash: string): `sha256:${string}` {
  const text = multihash.toLowerCase();
  if (!/^[a-f0-9]+$/.test(text) || text.length < 4) throw new CatalogError('INVALID_RECORD_DIGEST', `'${multihash}' is not a hex multihash`);
  if (!text.startsWith(SHA2_256))
    throw new CatalogError('INVALID_RECORD_DIGEST', `the multihash ${multihash.slice(0, 12)}… is not sha2-256 (code 0x12): cannot be checked against an OCI sha256 digest`);
  const hex = text.slice(SHA2_256.length);
  if (hex.length !== 64) throw new CatalogError('INVALID_RECORD_DIGEST', `the sha2-256 multihash ${multihash.slice(0, 12)}… holds ${hex.length / 2} bytes, not 32`);
  return `sha256:${hex}`;
}
