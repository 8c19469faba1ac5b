import { discardBody, RegistryHttpClient, type HttpClientOptions } from './http-client.ts';

/**
 * distribution-spec "Determining support": GET /v2/ answers 200 once authenticated. Used by
 * `login` to check credentials before storing them.
 */
export async function pingRegistry(registry: string, options: HttpClientOptions = {}): Promise<void> {
  const client = new RegistryHttpClient(registry, options);
  try {
    const response = await client.send({ method: 'GET', url: `${client.origin}/v2/`, scopes: [] });
    if (response.status !== 200) throw await client.errorFor(response, `${registry}`);
    await discardBody(response);
  } finally {
    await client.close();
  }
}
