import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildRunManifest, currentEnvironment, parseRunManifest, runManifestDigest, serializeRunManifest } from '../src/index.ts';

const hex = (text: string) => createHash('sha256').update(text).digest('hex');
const run = {
  runId: 'run-2026-12-04-1',
  startedAt: '2026-12-04T10:00:00Z',
  endedAt: '2026-12-04T10:05:00Z',
  inputs: [
    { name: 'raw/roads.gpkg', sha256: hex('roads'), size: 5 },
    { name: 'oci://registry.example/base/parks@sha256:' + hex('base'), sha256: hex('base') },
  ],
  outputs: [{ name: 'parks.pmtiles', sha256: hex('tiles'), size: 42 }],
  parameters: { zoom: '14', simplify: '0.5' },
  toolchain: [
    { name: 'tippecanoe', version: '2.62.0' },
    { name: 'sealpack', version: '0.1.0' },
  ],
  environment: { os: 'linux 6.1', arch: 'x64', node: 'v24.21.0' },
};

describe('run manifest', () => {
  it('is one canonical text for one run, whatever order it was described in, and its digest is the file’s sha256', () => {
    const a = buildRunManifest(run);
    const b = buildRunManifest({ ...run, inputs: [...run.inputs].reverse(), toolchain: [...run.toolchain].reverse(), parameters: { simplify: '0.5', zoom: '14' } });
    const text = serializeRunManifest(a);
    expect(serializeRunManifest(b)).toBe(text);
    expect(text).toBe(
      `{"endedAt":"2026-12-04T10:05:00Z","environment":{"arch":"x64","node":"v24.21.0","os":"linux 6.1"},"inputs":[{"name":"oci://registry.example/base/parks@sha256:${hex('base')}","sha256":"${hex('base')}"},{"name":"raw/roads.gpkg","sha256":"${hex('roads')}","size":5}],"outputs":[{"name":"parks.pmtiles","sha256":"${hex('tiles')}","size":42}],"parameters":{"simplify":"0.5","zoom":"14"},"runId":"run-2026-12-04-1","schema":"https://sealpack.dev/run-manifest/v1","startedAt":"2026-12-04T10:00:00Z","toolchain":[{"name":"sealpack","version":"0.1.0"},{"name":"tippecanoe","version":"2.62.0"}]}`,
    );
    expect(runManifestDigest(a)).toBe(`sha256:${hex(text)}`);
    expect(parseRunManifest(text)).toEqual(a);
  });

  it('records the facts of this machine that can change a result', () => {
    expect(currentEnvironment()).toEqual({ os: expect.any(String), arch: process.arch, node: process.version });
  });

  it.each([
    ['a local time', { startedAt: '2026-12-04T10:00:00+01:00' }, 'INVALID_TIMESTAMP', '$.startedAt'],
    ['a day that does not exist', { endedAt: '2026-02-30T10:00:00Z' }, 'INVALID_TIMESTAMP', '$.endedAt'],
    ['an end before the start', { endedAt: '2026-12-04T09:00:00Z' }, 'INVALID_TIMESTAMP', '$.endedAt'],
    ['a sha512 digest', { outputs: [{ name: 'x', sha256: 'ab'.repeat(64) }] }, 'INVALID_DIGEST', '$.outputs[0].sha256'],
    ['no outputs', { outputs: [] }, 'INVALID_DOCUMENT', '$.outputs'],
    ['an unknown field', { extra: 1 }, 'INVALID_DOCUMENT', '$'],
  ])('refuses %s, naming the field', (_what, change, code, path) => {
    expect(() => buildRunManifest({ ...run, ...change } as typeof run)).toThrow(expect.objectContaining({ code, path }));
  });

  it('reads a manifest strictly: duplicate keys are refused', () => {
    const text = serializeRunManifest(buildRunManifest(run)).replace('{"endedAt"', '{"runId":"other","endedAt"');
    expect(() => parseRunManifest(text)).toThrow(expect.objectContaining({ code: 'DUPLICATE_KEY', path: '$.runId' }));
  });
});
