import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { SigningError } from './errors.ts';

const GitHubTokenResponse = z.object({ value: z.string().min(1) });

/** cosign's `--oidc-provider` names for the sources read here; `env` is SIGSTORE_ID_TOKEN alone. */
export const OIDC_PROVIDERS = ['env', 'github-actions', 'filesystem'] as const;
export type OidcProvider = (typeof OIDC_PROVIDERS)[number];

/** Where cosign's `filesystem` provider reads a token a platform mounted (a projected volume). */
const FILESYSTEM_TOKEN = '/var/run/sigstore/cosign/oidc-token';

interface TokenOptions {
  audience?: string;
  fetch?: typeof fetch;
  /** One source only, as cosign's `--oidc-provider` picks one; default: env, then GitHub Actions. */
  provider?: OidcProvider;
  /** The `filesystem` provider's file (cosign's path by default). */
  tokenFile?: string;
}

/**
 * The OIDC identity token a CI provider hands a job, for keyless signing without a flag:
 * `SIGSTORE_ID_TOKEN` (what GitLab's `id_tokens:` and most providers are told to set), else
 * GitHub Actions' token endpoint (a job with `permissions: id-token: write`), asked for the
 * `sigstore` audience as cosign asks. `undefined` when the environment offers none.
 */
export async function ciIdentityToken(env: Readonly<Record<string, string | undefined>>, options: TokenOptions = {}): Promise<string | undefined> {
  const provider = options.provider;
  if (provider === 'filesystem') {
    const file = options.tokenFile ?? FILESYSTEM_TOKEN;
    const text = await readFile(file, 'utf8').catch(() => {
      throw new SigningError('IDENTITY_TOKEN', `the filesystem OIDC provider found no token at ${file}`);
    });
    return text.trim();
  }
  if (provider !== 'github-actions' && env.SIGSTORE_ID_TOKEN !== undefined && env.SIGSTORE_ID_TOKEN !== '') return env.SIGSTORE_ID_TOKEN;
  if (provider === 'env') return undefined;
  return gitHubActionsToken(env, options);
}

async function gitHubActionsToken(env: Readonly<Record<string, string | undefined>>, options: TokenOptions): Promise<string | undefined> {
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
