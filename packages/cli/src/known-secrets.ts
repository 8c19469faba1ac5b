/**
 * Environment variables whose values are secrets: sealpack's own passwords, and the OIDC tokens
 * keyless signing reads (sigstore's SIGSTORE_ID_TOKEN, the GitHub Actions token request token).
 */
const SECRET_ENV = ['SEALPACK_PASSWORD', 'SEALPACK_FROM_PASSWORD', 'SEALPACK_TO_PASSWORD', 'SIGSTORE_ID_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'] as const;
/** Options whose values are secrets (passwords never are arguments: see connection-options.ts). */
const SECRET_OPTIONS = ['--identity-token'] as const;

/**
 * The exact secrets this run was given, known before its arguments are parsed so that even a
 * usage error cannot echo them; the output layer redacts them wherever they turn up.
 */
export function secretsOf(argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const found: string[] = [];
  for (const name of SECRET_ENV) {
    const value = env[name];
    if (value !== undefined && value !== '') found.push(value);
  }
  argv.forEach((arg, i) => {
    for (const option of SECRET_OPTIONS) {
      if (arg === option && argv[i + 1] !== undefined) found.push(argv[i + 1] as string);
      else if (arg.startsWith(`${option}=`)) found.push(arg.slice(option.length + 1));
    }
  });
  return found;
}
