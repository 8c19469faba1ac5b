import { z } from 'zod';
import { SigningError } from './errors.ts';

// Sigstore's SigningConfig (protobuf-specs sigstore_trustroot.proto, JSON form): which CA, logs and
// timestamp authorities a client signs with, so a private deployment is one file, not four flags.
const Service = z.object({
  url: z.url(),
  majorApiVersion: z.number().int().positive(),
  validFor: z.object({ start: z.iso.datetime({ offset: true }), end: z.iso.datetime({ offset: true }).optional() }),
  operator: z.string().optional(),
});
const Selector = z.object({ selector: z.enum(['ANY', 'ALL', 'EXACT', 'SERVICE_SELECTOR_UNDEFINED']), count: z.number().int().optional() });
const SigningConfigJSON = z.object({
  mediaType: z.literal('application/vnd.dev.sigstore.signingconfig.v0.2+json'),
  caUrls: z.array(Service).default([]),
  oidcUrls: z.array(Service).default([]),
  rekorTlogUrls: z.array(Service).default([]),
  tsaUrls: z.array(Service).default([]),
  rekorTlogConfig: Selector.optional(),
  tsaConfig: Selector.optional(),
});

type ServiceJSON = z.infer<typeof Service>;

/** The services one signature uses, chosen from a SigningConfig. */
export interface SigningServices {
  fulcioURL?: string;
  rekor?: { url: string; version: 1 | 2 };
  tsaURL?: string;
}

// The newest API version each kind of service is spoken here: Fulcio v1 (its /api/v2 paths are
// API v1 of the service), Rekor v1 and v2, TSA v1.
const SPOKEN = { ca: 1, tlog: 2, tsa: 1 } as const;

/**
 * The services to sign with, chosen as the spec says for each list: among those this client
 * speaks and valid `now`, the highest API version, then the newest validity start. Only the
 * `ANY` selector (one service) is supported, as in sigstore-js; `ALL`/`EXACT` are refused rather
 * than silently signing with fewer witnesses than the file asks for.
 */
export function servicesFromSigningConfig(json: unknown, now: Date = new Date()): SigningServices {
  const parsed = SigningConfigJSON.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SigningError('INVALID_SIGNING_CONFIG', `the signing config is not a v0.2 SigningConfig: ${issue?.path.join('.') || '(top)'}: ${issue?.message ?? 'invalid'}`);
  }
  const config = parsed.data;
  for (const [name, selector] of [
    ['rekorTlogConfig', config.rekorTlogConfig],
    ['tsaConfig', config.tsaConfig],
  ] as const) {
    if (selector !== undefined && selector.selector !== 'ANY') throw new SigningError('INVALID_SIGNING_CONFIG', `${name}.selector ${selector.selector} is not supported (only ANY: one service)`);
  }
  const ca = choose(config.caUrls, SPOKEN.ca, now);
  const tlog = choose(config.rekorTlogUrls, SPOKEN.tlog, now);
  const tsa = choose(config.tsaUrls, SPOKEN.tsa, now);
  if (config.rekorTlogUrls.length > 0 && tlog === undefined)
    throw new SigningError('INVALID_SIGNING_CONFIG', 'no transparency log in the signing config is valid now and spoken here (Rekor v1 or v2)');
  if (config.tsaUrls.length > 0 && tsa === undefined) throw new SigningError('INVALID_SIGNING_CONFIG', 'no timestamp authority in the signing config is valid now and spoken here');
  return {
    ...(ca === undefined ? {} : { fulcioURL: ca.url }),
    ...(tlog === undefined ? {} : { rekor: { url: tlog.url, version: tlog.majorApiVersion === 2 ? 2 : 1 } }),
    ...(tsa === undefined ? {} : { tsaURL: tsa.url }),
  };
}

function choose(services: ServiceJSON[], newestSpoken: number, now: Date): ServiceJSON | undefined {
  const usable = services.filter(
    (s) => s.majorApiVersion <= newestSpoken && Date.parse(s.validFor.start) <= now.getTime() && (s.validFor.end === undefined || Date.parse(s.validFor.end) > now.getTime()),
  );
  return usable.sort((a, b) => b.majorApiVersion - a.majorApiVersion || Date.parse(b.validFor.start) - Date.parse(a.validFor.start))[0];
}
