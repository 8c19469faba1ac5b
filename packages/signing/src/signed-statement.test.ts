import { generateKeyPairSync } from 'node:crypto';
import { bundleToJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder } from '@sigstore/sign';
import { describe, expect, it } from 'vitest';
import { type Descriptor, sha256Of } from '@sealpack/oci-client';
import { PREDICATE } from '@sealpack/provenance/statement';
import { keySigner } from './signer.ts';
import { verifyBundle } from './verify.ts';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const subject: Descriptor = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256Of('manifest'), size: 8 };
const policy = { publicKey, ignoreTlog: true };
const subjectJson = `[{"name":"data/parks","digest":{"sha256":"${subject.digest.slice(7)}"}}]`;

/** A bundle whose signature over exactly these payload bytes is valid: only the reader can refuse it. */
async function signedBundle(payload: string | Uint8Array): Promise<Uint8Array> {
  const data = Buffer.from(payload);
  const bundle = await new DSSEBundleBuilder({ signer: keySigner(privateKey), witnesses: [] }).create({ data, type: 'application/vnd.in-toto+json' });
  return new TextEncoder().encode(JSON.stringify(bundleToJSON(bundle)));
}

describe('the verify path reads a signed statement with the one strict reader', () => {
  it('refuses a validly signed payload with a duplicate key, which another parser would read as another predicate type', async () => {
    const statement = (types: string[]) => `{"_type":"https://in-toto.io/Statement/v1","subject":${subjectJson},${types.map((t) => `"predicateType":"${t}"`).join(',')},"predicate":{}}`;
    // The same bytes without the second key verify: the signature is not what is refused.
    expect(verifyBundle(await signedBundle(statement([PREDICATE.cosignSign])), subject, policy)).toMatchObject({ predicateType: PREDICATE.cosignSign });
    const duplicated = await signedBundle(statement([PREDICATE.revocation, PREDICATE.cosignSign]));
    expect(() => verifyBundle(duplicated, subject, policy)).toThrow(expect.objectContaining({ code: 'INVALID_BUNDLE', message: expect.stringMatching(/"predicateType" appears twice/) }));
    expect(() => verifyBundle(duplicated, subject, policy, true)).toThrow(expect.objectContaining({ code: 'INVALID_BUNDLE' }));
  });

  it('reads a v0.1 statement (cosign v2), with no predicate meaning an empty one', async () => {
    const v01 = `{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"${PREDICATE.cosignSign}","subject":${subjectJson}}`;
    expect(verifyBundle(await signedBundle(v01), subject, policy)).toMatchObject({ predicateType: PREDICATE.cosignSign, predicate: {} });
  });

  it('reports a validly signed SBOM of another SPDX version as verified, not as a failure', async () => {
    const spdx22 = { spdxVersion: 'SPDX-2.2', SPDXID: 'SPDXRef-DOCUMENT', name: 'parks' };
    const payload = JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: JSON.parse(subjectJson), predicateType: PREDICATE.spdx, predicate: spdx22 });
    expect(verifyBundle(await signedBundle(payload), subject, { ...policy, predicateType: PREDICATE.spdx })).toMatchObject({ predicateType: PREDICATE.spdx, predicate: spdx22 });
  });

  it.each([
    ['about another artifact', `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"${'0'.repeat(64)}"}}],"predicateType":"${PREDICATE.cosignSign}"}`, 'SUBJECT_MISMATCH'],
    ['a subject digest that is no sha256', `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"abc"}}],"predicateType":"${PREDICATE.cosignSign}"}`, 'INVALID_BUNDLE'],
    ['another statement type', `{"_type":"https://in-toto.io/Statement/v2","subject":${subjectJson},"predicateType":"${PREDICATE.cosignSign}"}`, 'INVALID_BUNDLE'],
    ['a byte order mark', `\uFEFF{"_type":"https://in-toto.io/Statement/v1","subject":${subjectJson},"predicateType":"${PREDICATE.cosignSign}"}`, 'INVALID_BUNDLE'],
  ])('refuses a signed statement %s', async (_what, payload, code) => {
    const bundle = await signedBundle(payload);
    expect(() => verifyBundle(bundle, subject, policy)).toThrow(expect.objectContaining({ code }));
  });

  it('refuses a signed payload that is not UTF-8', async () => {
    const latin1 = Buffer.concat([
      Buffer.from(`{"_type":"https://in-toto.io/Statement/v1","subject":${subjectJson},"predicateType":"${PREDICATE.cosignSign}","predicate":{"n":"`),
      Buffer.from([0xe9]),
      Buffer.from('"}}'),
    ]);
    const bundle = await signedBundle(latin1);
    expect(() => verifyBundle(bundle, subject, policy)).toThrow(expect.objectContaining({ code: 'INVALID_BUNDLE', message: expect.stringMatching(/not UTF-8/) }));
  });
});
