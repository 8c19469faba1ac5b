import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildProvDocument, buildStatement, canonicalize, parseStatement, PREDICATE, statementNames } from '../src/index.ts';

const hex = (text: string) => createHash('sha256').update(text).digest('hex');
const subject = [{ name: 'registry.example/data/parks', sha256: hex('manifest') }];
const prov = buildProvDocument({
  runId: 'r1',
  startedAt: '2026-12-04T10:00:00Z',
  endedAt: '2026-12-04T10:01:00Z',
  outputs: [{ ref: `oci://registry.example/data/parks@sha256:${hex('manifest')}`, mediaType: 'application/vnd.pmtiles', size: 1 }],
  toolchain: [{ name: 'sealpack', version: '0.1.0' }],
}) as unknown as Record<string, unknown>;

describe('in-toto Statement', () => {
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
    ['a subject without a sha256 or sha512 digest', { subject: [{ name: 'x', digest: { md5: 'ab' } }] }, '$.subject[0].digest.sha256'],
    ['a subject with a short sha512', { subject: [{ name: 'x', digest: { sha512: 'ab' } }] }, '$.subject[0].digest.sha512'],
    ['no subject', { subject: [] }, '$.subject'],
    ['another statement type', { _type: 'https://in-toto.io/Statement/v2' }, '$._type'],
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

  it('reads a v0.1 statement (cosign v2) and one with fields it does not know, keeps a sha512 subject, and takes no predicate as an empty one', () => {
    const v01 = { _type: 'https://in-toto.io/Statement/v0.1', subject: [{ digest: { sha512: 'ab'.repeat(64) } }], predicateType: 'https://example.org/p', extension: 1 };
    const statement = parseStatement(new TextEncoder().encode(JSON.stringify(v01)));
    expect(statement).toMatchObject({ ...v01, predicate: {} });
    expect(statementNames(statement, `sha512:${'ab'.repeat(64)}`)).toBe(true);
    expect(statementNames(statement, `sha256:${hex('x')}`)).toBe(false);
  });

  it('refuses a duplicate key, and checks a known predicate unless told not to', () => {
    const text = (predicate: string) => `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"${hex('x')}"}}],"predicateType":"${PREDICATE.spdx}","predicate":${predicate}}`;
    expect(() => parseStatement(text('{"a":1,"a":2}'), { checkPredicate: false })).toThrow(expect.objectContaining({ code: 'DUPLICATE_KEY' }));
    expect(() => parseStatement(text('{"spdxVersion":"SPDX-2.2","SPDXID":"SPDXRef-DOCUMENT"}'))).toThrow(expect.objectContaining({ path: '$.predicate.spdxVersion' }));
    expect(parseStatement(text('{"spdxVersion":"SPDX-2.2","SPDXID":"SPDXRef-DOCUMENT"}'), { checkPredicate: false }).predicate).toEqual({ spdxVersion: 'SPDX-2.2', SPDXID: 'SPDXRef-DOCUMENT' });
  });
});
