// @sealpack/signing/verify: verification alone. It leaves out the signing side (sigstore-js's
// bundle builders and its Fulcio, Rekor and TSA clients), which is most of the package's load time.
export { SigningError, type SigningErrorCode, type SigningErrorKind } from '../errors.ts';
export { keyId, loadPublicKey } from '../keys/key-files.ts';
export { PREDICATE_TYPES } from '../predicate-types.ts';
export {
  unverifiedPredicates,
  verifyAttached,
  verifyArtifact,
  verifyAttachedByType,
  verifyBundle,
  verifyEveryAttached,
  type ArtifactVerification,
  type BundleVerdict,
  type IdentityPolicy,
  type KeyPolicy,
  type Thresholds,
  type VerifiedBundle,
  type VerifyPolicy,
} from '../verify.ts';
export { publicGoodTrustMaterial, trustMaterialFromJSON, type TrustMaterial } from '../trust.ts';
export { ANNOTATION_BUNDLE_PREDICATE_TYPE, MEDIA_TYPE_SIGSTORE_BUNDLE_V03 } from '../bundle-referrer.ts';
