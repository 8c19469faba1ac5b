// The public surface of @sealpack/signing: everything @sealpack/signing/verify has (verification
// alone), and the signing side: keys, keyless, signing and attesting, the bundle referrers.
export * from './entries/verify.ts';
export { decryptCosignKey, encryptCosignKey, generateCosignKeyPair, type GeneratedKeyPair } from './keys/cosign-key.ts';
export { loadPrivateKey } from './keys/key-files.ts';
export { keySigner, type KeyMaterial, type Signer } from './signer.ts';
export { keylessSigner, witnessesFor, type KeylessOptions, type Witness } from './keyless.ts';
export { ciIdentityToken, OIDC_PROVIDERS, type OidcProvider } from './ci-identity.ts';
export { servicesFromSigningConfig, type SigningServices } from './signing-config.ts';
export { attachBundle, attachedBundles, type AttachedBundle } from './bundle-referrer.ts';
export { signManifest, type SignOptions, type SignResult } from './sign.ts';
export { attestManifest, DEFAULT_DETACH_THRESHOLD, type AttestOptions } from './attest.ts';
export { checkBundle, type BundleCheck } from './conformance.ts';
