import { FulcioSigner, RekorWitness, TSAWitness, type Witness } from '@sigstore/sign';
import type { Signer } from './signer.ts';

export type { Witness };

export interface KeylessOptions {
  /** Fulcio's base URL (a private deployment's, or a local stand-in's). */
  fulcioURL: string;
  /** The OIDC identity token Fulcio binds the short-lived certificate to. */
  identityToken: () => Promise<string>;
}

/**
 * A signer with an ephemeral key whose certificate Fulcio issues for an OIDC identity (keyless
 * signing). sigstore-js's FulcioSigner does the work; it has the `Signer` shape already.
 */
export function keylessSigner(options: KeylessOptions): Signer {
  return new FulcioSigner({ fulcioBaseURL: options.fulcioURL, identityProvider: { getToken: options.identityToken } });
}

/**
 * The witnesses of a signature: a Rekor transparency log (API v1, or v2 whose entries carry no
 * time of their own, so pair it with a timestamp authority) and/or an RFC 3161 timestamp authority.
 */
export function witnessesFor(options: { rekorURL?: string; rekorVersion?: 1 | 2; tsaURL?: string }): Witness[] {
  return [
    ...(options.rekorURL === undefined ? [] : [new RekorWitness({ rekorBaseURL: options.rekorURL, entryType: 'dsse', majorApiVersion: options.rekorVersion ?? 1 })]),
    ...(options.tsaURL === undefined ? [] : [new TSAWitness({ tsaBaseURL: options.tsaURL })]),
  ];
}
