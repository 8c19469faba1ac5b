import { createRequire } from 'node:module';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial } from '@sigstore/verify';
import { z } from 'zod';
import { SigningError } from './errors.ts';

// What a trusted root must say that sigstore-js does not insist on: every key and certificate
// authority is valid from a stated time (protobuf-specs TimeRange.start is required). sigstore-js
// reads a missing start as "always", which trusts a key for signatures older than the key itself
// (sigstore-conformance trust-root-tlog-missing-validity-start_fail).
const ValidFrom = z.looseObject({ start: z.string().min(1) });
const TrustedRootShape = z.looseObject({
  tlogs: z.array(z.looseObject({ publicKey: z.looseObject({ validFor: ValidFrom }) })).default([]),
  ctlogs: z.array(z.looseObject({ publicKey: z.looseObject({ validFor: ValidFrom }) })).default([]),
  certificateAuthorities: z.array(z.looseObject({ validFor: ValidFrom })).default([]),
  timestampAuthorities: z.array(z.looseObject({ validFor: ValidFrom })).default([]),
});

export type TrustMaterial = ReturnType<typeof toTrustMaterial>;

/** Trust material from a `trusted_root.json` (Sigstore protobuf-specs TrustedRoot). */
export function trustMaterialFromJSON(json: unknown): TrustMaterial {
  const shape = TrustedRootShape.safeParse(json);
  if (!shape.success) {
    const issue = shape.error.issues[0];
    throw new SigningError('INVALID_TRUST_ROOT', `the trusted root is malformed at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'} (every key and authority needs validFor.start)`);
  }
  try {
    return toTrustMaterial(TrustedRoot.fromJSON(json));
  } catch (cause) {
    throw new SigningError('INVALID_KEY', `not a usable trusted root: ${(cause as Error).message}`, { cause });
  }
}

const PUBLIC_GOOD_TUF = 'https://tuf-repo-cdn.sigstore.dev';

/**
 * The Sigstore public-good trusted root as `@sigstore/tuf` ships it in its seeds (the target its TUF
 * client starts from), read without any network request. Offline it cannot be refreshed: a root
 * that changed since that release is not seen until the dependency is updated.
 */
export function publicGoodTrustMaterial(): TrustMaterial {
  // Read from the installed package at run time (knip.json lists the dependency: a require it cannot see).
  const seeds = createRequire(import.meta.url)('@sigstore/tuf/seeds.json') as Record<string, { targets?: Record<string, string> }>;
  const target = seeds[PUBLIC_GOOD_TUF]?.targets?.['trusted_root.json'];
  if (target === undefined) throw new SigningError('SIGNING_INTERNAL', '@sigstore/tuf ships no public-good trusted_root.json');
  return trustMaterialFromJSON(JSON.parse(Buffer.from(target, 'base64').toString('utf8')));
}
