import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesSource, type Descriptor, openTarget, packLayers, parseReference, pushPacked, type ReadOnlyTarget, sha256Of, type Target } from '@sealpack/oci-client';
import { buildProvDocument } from '@sealpack/provenance';
import { attestManifest, keySigner, signManifest } from '@sealpack/signing';
import { DEFAULT_POLICY_NAME, judgeArtifact, parsePolicy } from '../src/index.ts';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const verifyPolicy = { publicKey, ignoreTlog: true };
const PROV = 'https://sealpack.dev/attestation/prov/v1';
const signer = keySigner(privateKey);

async function push(target: Target, text: string, annotations: Record<string, string>) {
  const bytes = new TextEncoder().encode(text);
  const artifact = packLayers([{ descriptor: { mediaType: 'application/geo+json', digest: sha256Of(bytes), size: bytes.byteLength }, source: bytesSource(bytes) }], {
    created: null,
    annotations,
  });
  await pushPacked(target, artifact, { tag: text.replace(/\W/g, '').slice(0, 20) });
  return artifact.descriptor;
}

async function layout(): Promise<{ target: Target; path: string }> {
  const path = join(await mkdtemp(join(tmpdir(), 'sealpack-judge-')), 'lay');
  return { target: openTarget(parseReference(`ocidir://${path}`)), path };
}

const INHERIT = parsePolicy(
  'apiVersion: sealpack.dev/policy/v1\nkind: Policy\nmetadata: { name: inherit }\nrules:\n  - { id: signed, type: signatures }\n  - { id: inherit, type: sensitivityInheritance }\ndestinations:\n  public: ["**"]\n  restricted: ["vault.example/**"]\n',
  'inherit.yaml',
);

describe('judgeArtifact: the one decision', () => {
  it('counts every input a signed PROV names, however it names the output (a file’s urn:sha256)', async () => {
    const { target, path } = await layout();
    const raw = await push(target, 'exact nesting sites', { 'dev.sealpack.sensitivity': 'restricted' });
    const derived = await push(target, 'gridded counts', { 'dev.sealpack.sensitivity': 'public' });
    await signManifest(target, derived, { signer, subjectName: 'lay' });
    const rawRef = `ocidir://${path}@${raw.digest}`;
    // As `provenance build --output FILE` writes it: the output is the file, not the artifact.
    const prov = buildProvDocument({
      runId: 'grid',
      startedAt: '2026-12-04T10:00:00Z',
      endedAt: '2026-12-04T10:00:00Z',
      inputs: [{ ref: rawRef }],
      outputs: [{ file: 'counts.geojson', sha256: 'a'.repeat(64), size: 10 }],
      toolchain: [{ name: 'grid', version: '1' }],
    });
    await attestManifest(target, derived, { signer, subjectName: 'lay', predicateType: PROV, predicate: new TextEncoder().encode(JSON.stringify(prov)) });
    const judged = await judgeArtifact(target, derived, { reference: 'x', pinned: true, verifyPolicy, policy: INHERIT, openInput: async () => target });
    expect(judged.evidence.lineage.inputs).toEqual([{ id: rawRef, sensitivity: 'restricted' }]);
    expect(judged.allow).toBe(false);
    expect(judged.reasons).toEqual([expect.stringMatching(/^inherit: labelled public, lower than its inputs/)]);
  });

  const run = { '@id': 'urn:x:run', '@type': 'prov:Activity' };
  const entity = (id: string) => ({ '@id': id, '@type': 'prov:Entity' });
  it.each([
    ['a qualified usage', (raw: string) => [{ ...run, 'prov:qualifiedUsage': { '@type': 'prov:Usage', 'prov:entity': { '@id': raw } } }]],
    ['wasRevisionOf', (raw: string) => [run, { ...entity('urn:x:out'), 'prov:wasRevisionOf': { '@id': raw } }]],
    ['hadPrimarySource', (raw: string) => [run, { ...entity('urn:x:out'), 'prov:hadPrimarySource': { '@id': raw } }]],
    ['@reverse', (raw: string) => [run, { ...entity(raw), '@reverse': { 'prov:used': { '@id': 'urn:x:run' } } }]],
    ['an upper-case scheme', (raw: string) => [{ ...run, 'prov:used': { '@id': raw.replace('ocidir://', 'OCIDIR://') } }, entity(raw.replace('ocidir://', 'OCIDIR://'))]],
    ['a compact IRI', (raw: string) => [{ ...run, 'prov:used': { '@id': `src:${raw.slice(raw.indexOf('@') + 1)}` } }, entity(`src:${raw.slice(raw.indexOf('@') + 1)}`)]],
  ])('a signed PROV that names its restricted input through %s still counts it', async (_form, nodes) => {
    const { target, path } = await layout();
    const raw = await push(target, 'exact sites', { 'dev.sealpack.sensitivity': 'restricted' });
    const derived = await push(target, 'public counts', { 'dev.sealpack.sensitivity': 'public' });
    await signManifest(target, derived, { signer, subjectName: 'lay' });
    const rawRef = `ocidir://${path}@${raw.digest}`;
    const prov = { '@context': { prov: 'http://www.w3.org/ns/prov#', src: `ocidir://${path}@` }, '@graph': nodes(rawRef) };
    await attestManifest(target, derived, { signer, subjectName: 'lay', predicateType: PROV, predicate: new TextEncoder().encode(JSON.stringify(prov)) });
    const judged = await judgeArtifact(target, derived, { reference: 'x', pinned: true, verifyPolicy, policy: INHERIT, openInput: async () => target });
    expect(judged.evidence.lineage.inputs).toEqual([{ id: rawRef, sensitivity: 'restricted' }]);
    expect(judged.allow).toBe(false);
  });

  it('an input named by a tag, a SLSA dependency, and JSON-LD this reader does not interpret are counted, fail closed', async () => {
    const { target, path } = await layout();
    const raw = await push(target, 'exact nest sites', { 'dev.sealpack.sensitivity': 'restricted' });
    const attestOn = async (text: string, predicateType: string, predicate: unknown) => {
      const subject = await push(target, text, { 'dev.sealpack.sensitivity': 'public' });
      await signManifest(target, subject, { signer, subjectName: 'lay' });
      await attestManifest(target, subject, { signer, subjectName: 'lay', predicateType, predicate: new TextEncoder().encode(JSON.stringify(predicate)) });
      return judgeArtifact(target, subject, { reference: 'x', pinned: true, verifyPolicy, policy: INHERIT, openInput: async () => target });
    };
    // By tag: what the tag names today is not what the run used.
    const byTag = await attestOn('by tag', PROV, {
      '@context': { prov: 'http://www.w3.org/ns/prov#' },
      '@graph': [
        { '@id': 'urn:x:run', '@type': 'prov:Activity', 'prov:used': { '@id': `ocidir://${path}:exactnestsites` } },
        { '@id': `ocidir://${path}:exactnestsites`, '@type': 'prov:Entity' },
      ],
    });
    expect(byTag.evidence.lineage.inputs).toEqual([{ id: `ocidir://${path}:exactnestsites`, unreadable: true }]);
    expect(byTag.allow).toBe(false);
    // SLSA provenance v1: its resolved dependencies are inputs too.
    const slsa = await attestOn('slsa', 'https://slsa.dev/provenance/v1', {
      buildDefinition: { buildType: 'https://example.org/build', externalParameters: {}, resolvedDependencies: [{ uri: `ocidir://${path}@${raw.digest}` }] },
      runDetails: { builder: { id: 'https://example.org/builder' } },
    });
    expect(slsa.evidence.lineage.inputs).toEqual([{ id: `ocidir://${path}@${raw.digest}`, sensitivity: 'restricted' }]);
    expect(slsa.allow).toBe(false);
    // @base makes a relative id an artifact reference this reader does not expand: the document counts as naming an unreadable input.
    const based = await attestOn('based', PROV, {
      '@context': { prov: 'http://www.w3.org/ns/prov#', '@base': `ocidir://${path}` },
      '@graph': [
        { '@id': 'urn:x:run', '@type': 'prov:Activity', 'prov:used': { '@id': `@${raw.digest}` } },
        { '@id': `@${raw.digest}`, '@type': 'prov:Entity' },
      ],
    });
    expect(based.evidence.lineage.inputs).toEqual([{ id: 'a PROV document that uses @base, which sealpack does not interpret', unreadable: true }]);
    expect(based.allow).toBe(false);
  });

  it('restricted data laundered through an unlabelled step is still restricted: an input’s label is the strictest of its own lineage', async () => {
    const { target, path } = await layout();
    const provOf = (input: string) =>
      new TextEncoder().encode(
        JSON.stringify(
          buildProvDocument({
            runId: 'step',
            startedAt: '2026-12-04T10:00:00Z',
            endedAt: '2026-12-04T10:00:00Z',
            inputs: [{ ref: input }],
            outputs: [{ file: 'out', sha256: 'd'.repeat(64), size: 1 }],
            toolchain: [{ name: 't', version: '1' }],
          }),
        ),
      );
    const a = await push(target, 'restricted origin', { 'dev.sealpack.sensitivity': 'restricted' });
    const b = await push(target, 'unlabelled middle step', {});
    await attestManifest(target, b, { signer, subjectName: 'lay', predicateType: PROV, predicate: provOf(`ocidir://${path}@${a.digest}`) });
    const c = await push(target, 'public end', { 'dev.sealpack.sensitivity': 'public' });
    await signManifest(target, c, { signer, subjectName: 'lay' });
    await attestManifest(target, c, { signer, subjectName: 'lay', predicateType: PROV, predicate: provOf(`ocidir://${path}@${b.digest}`) });
    const judged = await judgeArtifact(target, c, { reference: 'x', pinned: true, verifyPolicy, destination: 'mirror.example/data/c', openInput: async () => target });
    expect(judged.evidence.lineage.inputs).toEqual([{ id: `ocidir://${path}@${b.digest}`, sensitivity: 'restricted' }]);
    expect(judged.reasons).toEqual([expect.stringMatching(/^destination: its input ocidir:\S+ is restricted: /)]);
    // Under another key the middle step's provenance proves nothing, and its own (absent) label stands.
    const { publicKey: stranger } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const strangers = await judgeArtifact(target, c, {
      reference: 'x',
      pinned: true,
      verifyPolicy: { publicKey: stranger, ignoreTlog: true },
      destination: 'mirror.example/data/c',
      openInput: async () => target,
    });
    expect(strangers.evidence.lineage.inputs).toEqual([]);
  });

  it('without a policy, the built-in default: signed, and nothing above public leaves', async () => {
    const { target } = await layout();
    const restricted = await push(target, 'restricted layer', { 'dev.sealpack.sensitivity': 'restricted' });
    const unlabelled = await push(target, 'unlabelled layer', {});
    const open = await push(target, 'public layer', { 'dev.sealpack.sensitivity': 'public' });
    for (const subject of [restricted, unlabelled, open]) await signManifest(target, subject, { signer, subjectName: 'lay' });
    const judge = (subject: typeof open, destination?: string, withKey = true) =>
      judgeArtifact(target, subject, { reference: 'x', pinned: true, ...(withKey ? { verifyPolicy } : {}), ...(destination === undefined ? {} : { destination }) });

    const moved = await judge(restricted, 'mirror.example/data/layer');
    expect(moved.decision.policy).toBe(DEFAULT_POLICY_NAME);
    expect(moved.allow).toBe(false);
    expect(moved.reasons).toEqual([expect.stringMatching(/^destination: the artifact: restricted artifacts go only where a policy's destinations allow/)]);
    // Using it in place is not moving it: allowed, signed.
    expect((await judge(restricted)).allow).toBe(true);
    expect((await judge(unlabelled, 'mirror.example/data/layer')).allow).toBe(true);
    expect((await judge(open, 'mirror.example/data/layer')).allow).toBe(true);
    // Without a key the default asks for no signature, and still keeps restricted data home.
    expect((await judge(unlabelled, 'mirror.example/data/layer', false)).allow).toBe(true);
    expect((await judge(restricted, 'mirror.example/data/layer', false)).allow).toBe(false);
    // A policy whose destinations allow it moves it there, and only there.
    expect((await judgeArtifact(target, restricted, { reference: 'x', pinned: true, verifyPolicy, policy: INHERIT, destination: 'vault.example/sites' })).decision.results).toContainEqual(
      expect.objectContaining({ id: 'destination', passed: true }),
    );
  });

  it('an input that cannot be read counts as the most restrictive level at a destination; one read without a label as unlabelled', async () => {
    const { target } = await layout();
    const derived = await push(target, 'derived of a stranger', { 'dev.sealpack.sensitivity': 'public' });
    await signManifest(target, derived, { signer, subjectName: 'lay' });
    const prov = buildProvDocument({
      runId: 'x',
      startedAt: '2026-12-04T10:00:00Z',
      endedAt: '2026-12-04T10:00:00Z',
      inputs: [{ ref: `oci://unreachable.example/raw@sha256:${'b'.repeat(64)}` }],
      outputs: [{ file: 'out.geojson', sha256: 'c'.repeat(64), size: 1 }],
      toolchain: [{ name: 't', version: '1' }],
    });
    await attestManifest(target, derived, { signer, subjectName: 'lay', predicateType: PROV, predicate: new TextEncoder().encode(JSON.stringify(prov)) });
    const opened: string[] = [];
    const judged = await judgeArtifact(target, derived, {
      reference: 'x',
      pinned: true,
      verifyPolicy,
      destination: 'mirror.example/data/x',
      openInput: async (ref) => {
        opened.push(ref.kind === 'registry' ? ref.registry : ref.path);
        throw new Error('offline');
      },
    });
    expect(opened).toEqual(['unreachable.example']);
    expect(judged.allow).toBe(false);
    expect(judged.reasons[0]).toMatch(/its input oci:\/\/unreachable\.example\/raw@sha256:b+ could not be read, so it counts as confidential/);
    // Read, and without a label: it moves as an unlabelled artifact would (freely under the default).
    const unlabelled = await push(target, 'an unlabelled input', {});
    const readUnlabelled = await judgeArtifact(target, derived, {
      reference: 'x',
      pinned: true,
      verifyPolicy,
      destination: 'mirror.example/data/x',
      // The input's reference names another host; here it resolves to an unlabelled artifact of the layout.
      openInput: async () => ({ resolve: async () => unlabelled, fetchManifest: (d: Descriptor) => target.fetchManifest(d), referrers: async () => [] }) as unknown as ReadOnlyTarget,
    });
    expect(readUnlabelled.evidence.lineage.inputs).toEqual([{ id: `oci://unreachable.example/raw@sha256:${'b'.repeat(64)}` }]);
    expect(readUnlabelled.allow).toBe(true);
  });
});
