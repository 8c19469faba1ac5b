import { createHash } from 'node:crypto';

/** A content digest, `algorithm:encoded` (image-spec descriptor.md#digests). */
export type Digest = `${string}:${string}`;

// descriptor.md#digests: registered algorithms and their encodings. Only sha256 and sha512 are
// registered; anything else is refused rather than trusted unchecked.
const ENCODED_PATTERN: Record<string, RegExp> = {
  sha256: /^[a-f0-9]{64}$/,
  sha512: /^[a-f0-9]{128}$/,
};

export function isDigest(value: string): value is Digest {
  const colon = value.indexOf(':');
  if (colon < 1) return false;
  const pattern = ENCODED_PATTERN[value.slice(0, colon)];
  return pattern?.test(value.slice(colon + 1)) === true;
}

export function digestAlgorithm(digest: Digest): 'sha256' | 'sha512' {
  return digest.slice(0, digest.indexOf(':')) === 'sha512' ? 'sha512' : 'sha256';
}

export function digestHex(digest: Digest): string {
  return digest.slice(digest.indexOf(':') + 1);
}

export function sha256Of(bytes: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
