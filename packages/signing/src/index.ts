// The public surface of @sealpack/signing (first part: keys, key signatures, offline verification).
export { SigningError, type SigningErrorCode, type SigningErrorKind } from './errors.ts';
export { decryptCosignKey, encryptCosignKey, generateCosignKeyPair, type GeneratedKeyPair } from './keys/cosign-key.ts';
export { keyId, loadPrivateKey, loadPublicKey } from './keys/key-files.ts';
export { keySigner, type KeyMaterial, type Signer } from './signer.ts';
export { keylessSigner, witnessesFor, type KeylessOptions, type Witness } from './keyless.ts';
export { ciIdentityToken, OIDC_PROVIDERS, type OidcProvider } from './ci-identity.ts';
export { servicesFromSigningConfig, type SigningServices } from './signing-config.ts';
export { buildStatement, COSIGN_SIGN_PREDICATE_TYPE, IN_TOTO_PAYLOAD_TYPE, parseStatement, type Statement } from './statement.ts';
export { ANNOTATION_BUNDLE_PREDICATE_TYPE, attachBundle, attachedBundles, MEDIA_TYPE_SIGSTORE_BUNDLE_V03, type AttachedBundle } from './bundle-referrer.ts';
export { signManifest, type SignOptions, type SignResult } from './sign.ts';
export { attestManifest, DEFAULT_DETACH_THRESHOLD, type AttestOptions } from './attest.ts';
export { PREDICATE_TYPES, REVOCATION_PREDICATE_TYPE } from './predicate-types.ts';
export {
  unverifiedPredicates,
  verifyAttached,
  verifyAttachedByType,
  verifyBundle,
  type BundleVerdict,
  type IdentityPolicy,
  type KeyPolicy,
  type Thresholds,
  type VerifiedBundle,
  type VerifyPolicy,
} from './verify.ts';
export { checkBundle, type BundleCheck } from './conformance.ts';
export { publicGoodTrustMaterial, trustMaterialFromJSON } from './trust.ts';
