/** What a registry is told to prove who is asking. */
export type Credential =
  | { kind: 'basic'; username: string; password: string }
  /** An OAuth2 refresh token (docker config `identitytoken`), exchanged at the token endpoint. */
  | { kind: 'identity-token'; username: string; token: string };

/** Looks up the credential for a registry host (`host[:port]`), if any. */
export type CredentialProvider = (registry: string) => Promise<Credential | undefined>;

export const anonymous: CredentialProvider = async () => undefined;

export function staticCredential(credential: Credential | undefined): CredentialProvider {
  return async () => credential;
}

/** The first provider that knows the host wins: flags, then environment, then docker config. */
export function firstOf(...providers: CredentialProvider[]): CredentialProvider {
  return async (registry) => {
    for (const provider of providers) {
      const credential = await provider(registry);
      if (credential !== undefined) return credential;
    }
    return undefined;
  };
}
