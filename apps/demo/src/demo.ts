// The README's main job, as a function the demo's tests run too. One publisher, three deliverables,
// each through `sealpack publish` into an OCI image layout (no server needed): the world's countries
// (PMTiles, GeoParquet, GeoJSON, with STAC and DCAT records), a layer of sensitive sites that may
// only go to a restricted namespace, and its generalised derivative that may go public because its
// signed PROV records the declassifying step. Then the consumer's side and the distribution story:
// verify with the policy, pull, walk the lineage, copy the publication with its evidence (but not
// the publisher's internal claims) to where it is served, and verify it there, digests unchanged.
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '@sealpack/cli';
import { GENERALISATION_STEP, generateSampleData, SAMPLE_FILES } from './sample/generate.ts';

export interface DemoOptions {
  /** Where everything is written; emptied first. */
  workDir: string;
  /** `HOST:PORT` of a registry to distribute to; without it, a second layout stands in for one. */
  registry?: string;
  /** The transcript: each command as typed, and what it printed. */
  write: (text: string) => void;
  /** The repository's `run` script, for the "run it yourself" line. */
  runScript?: string;
}

export interface DemoResult {
  world: string;
  /** The catalog records and distribution files the publishes wrote, for the viewer. */
  catalogs: string[];
  restrictedSites: string;
  publicSites: string;
  distributed: string;
  policy: string;
}

// The demo's throwaway signing key is encrypted with this (cosign reads COSIGN_PASSWORD the same way).
const DEMO_KEY_PASSWORD = 'sealpack-demo';
const INTERNAL_CLAIMS = 'application/vnd.sealpack.internal.*';

class Sealpack {
  private readonly workDir: string;
  private readonly write: (text: string) => void;

  constructor(workDir: string, write: (text: string) => void) {
    this.workDir = workDir;
    this.write = write;
  }

  /** Runs one command in-process, echoed like a terminal session; throws unless it exits with `expect`. */
  async run(args: string[], expect = 0): Promise<string> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    stdout.on('data', (c: Buffer) => out.push(c));
    stderr.on('data', (c: Buffer) => err.push(c));
    this.write(`\n$ sealpack ${args.map((a) => (/[\s*]/.test(a) ? `'${a}'` : a)).join(' ')}\n`);
    const code = await main(args, {
      stdout,
      stderr,
      stdin: new PassThrough(),
      env: { ...process.env, SOURCE_DATE_EPOCH: '1780272000', COSIGN_PASSWORD: DEMO_KEY_PASSWORD },
      cwd: this.workDir,
    });
    const text = Buffer.concat(out).toString('utf8');
    this.write(text);
    const errors = Buffer.concat(err).toString('utf8');
    if (code !== expect) {
      this.write(errors);
      throw new Error(`sealpack ${args[0]} exited with ${code}, expected ${expect}`);
    }
    if (expect !== 0) this.write(errors);
    return text;
  }

  async digest(ref: string): Promise<string> {
    return (await this.run(['resolve', ref])).trim();
  }
}

/** The demo's policy: the baseline rules, namespaces per sensitivity, and the demo key as the one trusted declassifier. */
function demoPolicy(keyId: string): string {
  return `# Written by the sealpack demo. The baseline (packages/policy/examples/baseline.yaml), plus:
# where each sensitivity may go, and derived data inheriting its inputs' label unless a signed PROV
# by a trusted declassifier (here the demo's key) records the declassifying step.
apiVersion: sealpack.dev/policy/v1
kind: Policy
metadata:
  name: open-when-safe
  description: open when safe, restricted when required
rules:
  - { id: signed, type: signatures, minimum: 1 }
  - { id: provenance, type: attestation, predicateType: https://sealpack.dev/attestation/prov/v1 }
  - { id: license, type: license, allow: [CC-BY-4.0, CC0-1.0, ODbL-1.0, PDDL-1.0, LicenseRef-PublicDomain] }
  - { id: sensitivity, type: sensitivity, allow: [public, internal, restricted] }
  - { id: inherits, type: sensitivityInheritance, declassifiers: [{ keyId: "${keyId}" }] }
  - { id: pinned, type: digestPinned }
destinations:
  public: ['**']
  internal: ['**/internal/**', '**/restricted/**']
  restricted: ['**/restricted/**']
`;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { workDir, write } = options;
  const sealpack = new Sealpack(workDir, write);
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  const run = options.runScript === undefined ? './run' : relative(workDir, options.runScript);
  write(`sealpack demo, working in ${workDir}\n(to run a command yourself: cd ${workDir} && ${run.startsWith('.') ? run : `./${run}`} sealpack …)\n`);

  write('\n# The sample deliverables, made from Natural Earth data in the world-atlas npm package\n');
  await generateSampleData(join(workDir, 'data'));
  for (const name of (await readdir(join(workDir, 'data'))).sort()) write(`  data/${name}\n`);

  // A local key and no transparency log: nothing leaves the machine. A real pipeline signs keyless or with its KMS key.
  const pair = JSON.parse(await sealpack.run(['generate-key-pair', '--json'])) as { keyId: string };
  await writeFile(join(workDir, 'policy.yaml'), demoPolicy(pair.keyId));
  const signing = ['--key', 'cosign.key', '--tlog-upload=false', '--policy', 'policy.yaml'];
  const consumer = ['--key', 'cosign.pub', '--insecure-ignore-tlog', '--policy', 'policy.yaml'];

  write('\n# 1. The whole pipeline in one command: push, sign, attest PROV and SBOM, gate, patch STAC and DCAT\n');
  await sealpack.run([
    'publish',
    ...SAMPLE_FILES.world.map((f) => `data/${f}`),
    '--to',
    'ocidir://public/world:2026',
    '-a',
    'org.opencontainers.image.licenses=LicenseRef-PublicDomain',
    '-a',
    'dev.sealpack.sensitivity=public',
    ...signing,
    '--stac',
    `data/${SAMPLE_FILES.worldRecords.stac}`,
    '--dcat',
    `data/${SAMPLE_FILES.worldRecords.dcat}`,
    '--out',
    'evidence/world',
  ]);
  const world = `ocidir://public/world@${await sealpack.digest('ocidir://public/world:2026')}`;

  write('\n# 2. Open when safe, restricted when required: exact sites go to the restricted namespace only\n');
  const siteLabels = ['-a', 'org.opencontainers.image.licenses=CC0-1.0', '-a', 'dev.sealpack.sensitivity=restricted'];
  await sealpack.run([
    'publish',
    'data/sites.geojson',
    '--to',
    'ocidir://restricted/sites:2026',
    ...siteLabels,
    ...signing,
    '--stac',
    `data/${SAMPLE_FILES.sitesRecord}`,
    '--out',
    'evidence/restricted-sites',
  ]);
  const restrictedSites = `ocidir://restricted/sites@${await sealpack.digest('ocidir://restricted/sites:2026')}`;
  write('\n# ...and an attempt to publish them publicly is refused before any byte leaves (exit 1)\n');
  await sealpack.run(['publish', 'data/sites.geojson', '--to', 'ocidir://public/sites-exact:2026', ...siteLabels, ...signing], 1);
  if (await exists(join(workDir, 'public', 'sites-exact'))) throw new Error('the refused publish wrote to public/sites-exact');

  write(`\n# 3. The generalised derivative (coordinates snapped to ${GENERALISATION_STEP}°) goes public: its signed PROV records the declassification\n`);
  // The derivative's files and labels, and what it was made from; published once with the declassifying step, once without.
  const derivative = [
    ...SAMPLE_FILES.generalised.map((f) => `data/${f}`),
    '-a',
    'org.opencontainers.image.licenses=CC0-1.0',
    '-a',
    'dev.sealpack.sensitivity=public',
    '--derived-from',
    restrictedSites,
  ];
  await sealpack.run([
    'publish',
    ...derivative,
    '--to',
    'ocidir://public/sites:2026',
    '--param',
    'declassification=coordinates-generalised',
    '--param',
    'method=snap-to-grid',
    '--param',
    `grid_degrees=${GENERALISATION_STEP}`,
    ...signing,
    '--stac',
    `data/${SAMPLE_FILES.generalisedRecord}`,
    '--out',
    'evidence/public-sites',
  ]);
  const publicSites = `ocidir://public/sites@${await sealpack.digest('ocidir://public/sites:2026')}`;
  write('\n# ...while the same derivative without the declassification step, even where its input may go, is denied by the judge (exit 1): never tagged, in no catalog\n');
  await sealpack.run(
    ['publish', ...derivative, '--to', 'ocidir://restricted/sites-undeclared:2026', ...signing, '--stac', `data/${SAMPLE_FILES.generalisedRecord}`, '--out', 'evidence/undeclared-sites'],
    1,
  );
  // Nothing is pullable by name: the tag was never written.
  await sealpack.run(['resolve', 'ocidir://restricted/sites-undeclared:2026'], 3);
  if (await exists(join(workDir, 'evidence/undeclared-sites', SAMPLE_FILES.generalisedRecord))) throw new Error('a denied release entered a catalog');
  // The public catalog names the derivative only: no href, digest or ref of the restricted original.
  const publicRecord = await readFile(join(workDir, 'evidence/public-sites', SAMPLE_FILES.generalisedRecord), 'utf8');
  if (publicRecord.includes(restrictedSites.slice(-64)) || publicRecord.includes('restricted/')) throw new Error('the public catalog names the restricted original');
  write(`\nThe public record evidence/public-sites/${SAMPLE_FILES.generalisedRecord} names ${publicSites.slice(-71)} and nothing of the restricted original.\n`);

  write('\n# 4. The consumer: verify signatures, attestations and the policy, then pull by digest\n');
  await sealpack.run(['verify', world, ...consumer, '--pull', 'pulled/world']);
  await sealpack.run(['verify', publicSites, ...consumer]);
  await sealpack.run(['lineage', publicSites, '--key', 'cosign.pub', '--insecure-ignore-tlog']);
  await sealpack.run(['catalog', 'validate', `evidence/world/${SAMPLE_FILES.worldRecords.stac}`]);

  write('\n# 5. Distribution: the publication and its evidence copied to where it is served, the internal claims left behind\n');
  await writeFile(join(workDir, 'review.json'), `${JSON.stringify({ reviewer: 'data-team', note: 'checked against the 2025 release', internal: true })}\n`);
  await sealpack.run(['attach', world, 'review.json', '--artifact-type', 'application/vnd.sealpack.internal.review.v1']);
  const destination = options.registry === undefined ? 'ocidir://distribution/world:2026' : `${options.registry}/sealpack-demo/world:2026`;
  await sealpack.run(['copy', '-r', 'ocidir://public/world:2026', destination, '--exclude-artifact-type', INTERNAL_CLAIMS]);
  const copied = await sealpack.digest(destination);
  if (`ocidir://public/world@${copied}` !== world) throw new Error(`the copy has digest ${copied}, the publication ${world}`);
  const distributed = destination.replace(/:2026$/, `@${copied}`);
  await sealpack.run(['verify', distributed, ...consumer]);
  const tree = await sealpack.run(['discover', distributed]);
  if (tree.includes('internal.review')) throw new Error('the internal claim was copied');

  // The round trip must give back the very bytes that went in.
  write('\nRound trip:\n');
  for (const name of SAMPLE_FILES.world) {
    const hash = async (path: string) =>
      createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
    const [before, after] = [await hash(join(workDir, 'data', name)), await hash(join(workDir, 'pulled/world/data', name))];
    if (before !== after) throw new Error(`${name}: pulled sha256:${after}, published sha256:${before}`);
    write(`  ok  sha256:${after}  ${name}\n`);
  }
  write(
    [
      '',
      'Where to look:',
      `  ${join(workDir, 'public/world')}   the publication (OCI layout), pinned ${world}`,
      `  ${join(workDir, 'evidence/world')}   prov.jsonld, run_manifest.json, sbom.spdx.json, the patched STAC and DCAT records`,
      `  ${join(workDir, 'evidence/public-sites', SAMPLE_FILES.generalisedRecord)}   the public catalog record of the generalised sites`,
      `  ${join(workDir, 'evidence/restricted-sites/restricted', SAMPLE_FILES.sitesRecord)}   the restricted catalog record`,
      `  ${options.registry === undefined ? join(workDir, 'distribution/world') : destination}   the distributed copy, same digest`,
      '',
    ].join('\n'),
  );
  const catalogs = [
    `evidence/world/${SAMPLE_FILES.worldRecords.stac}`,
    `evidence/world/${SAMPLE_FILES.worldRecords.dcat}`,
    `evidence/public-sites/${SAMPLE_FILES.generalisedRecord}`,
    `evidence/restricted-sites/restricted/${SAMPLE_FILES.sitesRecord}`,
  ];
  return { world, restrictedSites, publicSites, distributed, catalogs, policy: resolve(workDir, 'policy.yaml') };
}
