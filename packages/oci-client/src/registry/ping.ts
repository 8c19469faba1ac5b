import { registryApiHost, registryScheme } from '../reference.ts';
import { discardBody, RegistryHttpClient, type HttpClientOptions } from './http-client.ts';

/**
 * distribution-spec "Determining support": GET /v2/ answers 200 once authenticated. Used by
 * `login` to check credentials before storing them.
 */
export async function pingRegistry(registry: string, options: HttpClientOptions & { plainHttp?: boolean } = {}): Promise<void> {
  const client = new RegistryHttpClient(registry, options);
  try {
    const scheme = registryScheme(registry, options);
    const response = await client.send({ method: 'GET', url: `${scheme}://${registryApiHost(registry)}/v2/`, scopes: [] });
    if (response.status !== 200) throw await client.errorFor(response, `${registry}`);
    await discardBody(response);
  } finally {
    await client.close();
  }
}
