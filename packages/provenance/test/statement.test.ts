import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildProvDocument, buildStatement, canonicalize, parseStatement, PREDICATE } from '../src/index.ts';

const hex = (text: string) => createHash('sha256').update(text).digest('hex');
const subject = [{ name: 'registry.example/data/parks', sha256: hex('manifest') }];
const prov = buildProvDocument({
  runId: 'r1',
  startedAt: '2026-12-04T10:00:00Z',
  endedAt: '2026-12-04T10:01:00Z',
  outputs: [{ ref: `oci://registry.example/data/parks@sha256:${hex('manifest')}`, mediaType: 'application/vnd.pmtiles', size: 1 }],
  toolchain: [{ name: 'sealpack', version: '0.1.0' }],
}) as unknown as Record<string, unknown>;

describe('in-toto Statement v1', () => {
  it('builds and reads statements for PROV, SLSA provenance v1, SPDX 2.3 and CycloneDX 1.6 predicates', () => {
    const predicates: Array<[string, Record<string, unknown>]> = [
      [PREDICATE.prov, prov],
      [PREDICATE.slsaProvenance, { buildDefinition: { buildType: 'https://sealpack.dev/build/v1', externalParameters: {} }, runDetails: { builder: { id: 'https://ci.example/runner' } } }],
      [PREDICATE.spdx, { spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT', name: 'x' }],
      [PREDICATE.cyclonedx, { bomFormat: 'CycloneDX', specVersion: '1.6' }],
    ];
    for (const [type, predicate] of predicates) {
      const statement = buildStatement(subject, type, predicate);
      expect(statement).toMatchObject({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: subject[0]?.name, digest: { sha256: subject[0]?.sha256 } }], predicateType: type });
      expect(parseStatement(canonicalize(statement))).toEqual(statement);
    }
    // An unknown predicate type is kept as it is.
    expect(buildStatement(subject, 'https://example.org/custom/v1', { anything: [1, 2] }).predicate).toEqual({ anything: [1, 2] });
  });

  it.each([
    ['a subject without sha256', { subject: [{ name: 'x', digest: { sha512: 'ab' } }] }, '$.subject[0].digest.sha256'],
    ['no subject', { subject: [] }, '$.subject'],
    ['another statement type', { _type: 'https://in-toto.io/Statement/v0.1' }, '$._type'],
    ['a PROV predicate with a dangling reference', { predicateType: PREDICATE.prov, predicate: { '@graph': [{ '@id': 'a', used: 'b' }] } }, '$.predicate.@graph[0].used'],
    [
      'an SLSA predicate without a builder',
      { predicateType: PREDICATE.slsaProvenance, predicate: { buildDefinition: { buildType: 'https://x.example', externalParameters: {} }, runDetails: {} } },
      '$.predicate.runDetails.builder',
    ],
    ['an SPDX 2.2 document', { predicateType: PREDICATE.spdx, predicate: { spdxVersion: 'SPDX-2.2', SPDXID: 'SPDXRef-DOCUMENT' } }, '$.predicate.spdxVersion'],
    ['a CycloneDX 1.5 BOM', { predicateType: PREDICATE.cyclonedx, predicate: { bomFormat: 'CycloneDX', specVersion: '1.5' } }, '$.predicate.specVersion'],
  ])('refuses %s, naming the field', (_what, change, path) => {
    const base = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'x', digest: { sha256: hex('x') } }], predicateType: 'https://example.org/p', predicate: {} };
    expect(() => parseStatement(JSON.stringify({ ...base, ...change }))).toThrow(expect.objectContaining({ path }));
  });
});
