import { describe, expect, it } from 'vitest';
import { servicesFromSigningConfig } from './signing-config.ts';

const MEDIA_TYPE = 'application/vnd.dev.sigstore.signingconfig.v0.2+json';
const service = (url: string, majorApiVersion: number, start: string, end?: string) => ({ url, majorApiVersion, validFor: { start, ...(end === undefined ? {} : { end }) } });
const now = new Date('2026-12-01T00:00:00Z');

describe('servicesFromSigningConfig', () => {
  it('picks, per list, the highest spoken API version valid now, then the newest start', () => {
    const chosen = servicesFromSigningConfig(
      {
        mediaType: MEDIA_TYPE,
        caUrls: [service('https://old-ca.example', 1, '2022-01-01T00:00:00Z'), service('https://ca.example', 1, '2025-01-01T00:00:00Z')],
        rekorTlogUrls: [
          service('https://rekor.example', 1, '2021-01-01T00:00:00Z'),
          service('https://log2025.example', 2, '2025-06-01T00:00:00Z'),
          service('https://future.example', 2, '2027-01-01T00:00:00Z'),
          service('https://v3.example', 3, '2026-01-01T00:00:00Z'),
        ],
        tsaUrls: [service('https://retired-tsa.example', 1, '2020-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), service('https://tsa.example', 1, '2024-01-01T00:00:00Z')],
        rekorTlogConfig: { selector: 'ANY' },
        tsaConfig: { selector: 'ANY' },
      },
      now,
    );
    expect(chosen).toEqual({ fulcioURL: 'https://ca.example', rekor: { url: 'https://log2025.example', version: 2 }, tsaURL: 'https://tsa.example' });
  });

  it('leaves out a kind of service the file does not list, and refuses lists with nothing usable', () => {
    expect(servicesFromSigningConfig({ mediaType: MEDIA_TYPE, caUrls: [service('https://ca.example', 1, '2025-01-01T00:00:00Z')] }, now)).toEqual({ fulcioURL: 'https://ca.example' });
    expect(() => servicesFromSigningConfig({ mediaType: MEDIA_TYPE, tsaUrls: [service('https://tsa.example', 1, '2020-01-01T00:00:00Z', '2021-01-01T00:00:00Z')] }, now)).toThrow(
      expect.objectContaining({ code: 'INVALID_SIGNING_CONFIG', message: expect.stringMatching(/no timestamp authority/) }),
    );
    expect(() => servicesFromSigningConfig({ mediaType: MEDIA_TYPE, rekorTlogUrls: [service('https://v9.example', 9, '2020-01-01T00:00:00Z')] }, now)).toThrow(/no transparency log/);
  });

  it('refuses what it cannot honour: another media type, a malformed service, an ALL selector', () => {
    expect(() => servicesFromSigningConfig({ mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.1+json' }, now)).toThrow(expect.objectContaining({ code: 'INVALID_SIGNING_CONFIG' }));
    expect(() => servicesFromSigningConfig({ mediaType: MEDIA_TYPE, caUrls: [{ url: 'not a url', majorApiVersion: 1, validFor: { start: '2025-01-01T00:00:00Z' } }] }, now)).toThrow(/caUrls\.0\.url/);
    expect(() => servicesFromSigningConfig({ mediaType: MEDIA_TYPE, rekorTlogConfig: { selector: 'ALL' } }, now)).toThrow(/selector ALL is not supported/);
  });
});
