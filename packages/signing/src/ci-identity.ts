import { z } from 'zod';
import { SigningError } from './errors.ts';

const GitHubTokenResponse = z.object({ value: z.string().min(1) });

/**
 * The OIDC identity token a CI provider hands a job, for keyless signing without a flag:
 * `SIGSTORE_ID_TOKEN` (what GitLab's `id_tokens:` and most providers are told to set), else
 * GitHub Actions' token endpoint (a job with `permissions: id-token: write`), asked for the
 * `sigstore` audience as cosign asks. `undefined` when the environment offers none.
 */
export async function ciIdentityToken(env: Readonly<Record<string, string | undefined>>, options: { audience?: string; fetch?: typeof fetch } = {}): Promise<string | undefined> {
  if (env.SIGSTORE_ID_TOKEN !== undefined && env.SIGSTORE_ID_TOKEN !== '') return env.SIGSTORE_ID_TOKEN;
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (url === undefined || bearer === undefined) return undefined;
  const request = new URL(url);
  request.searchParams.set('audience', options.audience ?? 'sigstore');
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(request, { headers: { accept: 'application/json', authorization: `Bearer ${bearer}` } });
  } catch (cause) {
    throw new SigningError('SIGSTORE_SERVICE', `cannot reach GitHub Actions' OIDC token endpoint ${request.origin}: ${(cause as Error).message}`, { cause });
  }
  if (!response.ok) throw new SigningError('IDENTITY_TOKEN', `GitHub Actions' OIDC token endpoint answered ${response.status} (does the job have permissions: id-token: write?)`);
  const body = GitHubTokenResponse.safeParse(await response.json().catch(() => undefined));
  if (!body.success) throw new SigningError('IDENTITY_TOKEN', "GitHub Actions' OIDC token endpoint sent no token");
  return body.data.value;
}
