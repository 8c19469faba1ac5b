// A bounded stress run of the one race distribution 2.8 cannot close: 20 separate processes attach
// a referrer to one subject at once, all rewriting its tag-schema index, on a registry that ignores
// If-Match. The client narrows the race (it re-reads until its entry holds); this counts how many
// entries survive per round. `./run bench --only race [--race-rounds N]` (default 5 rounds).
import { bytesSource, packLayers, sha256Of } from '@sealpack/oci-client';
import { RegistryTarget } from '@sealpack/oci-client/registry';
import { startRegistryProcess } from '@sealpack/test-registry';
import { runAttachWriters } from '../packages/oci-client/test/fixtures/attach-writers.ts';

const WRITERS = 20;
const roundsArg = process.argv.indexOf('--race-rounds');
const rounds = roundsArg === -1 ? 5 : Number(process.argv[roundsArg + 1]);
if (!Number.isInteger(rounds) || rounds <= 0 || rounds > 100) throw new Error('--race-rounds takes a whole number from 1 to 100');

const registry = await startRegistryProcess({ kind: 'none' });
try {
  let lost = 0;
  process.stdout.write(`\nreferrers race (distribution 2.8, no If-Match): ${rounds} rounds of ${WRITERS} concurrent attaching processes\n`);
  for (let round = 1; round <= rounds; round++) {
    const target = new RegistryTarget(registry.host, `bench/race-${round}`);
    const bytes = new TextEncoder().encode(`subject ${round}`);
    const subject = packLayers([{ descriptor: { mediaType: 'text/plain', digest: sha256Of(bytes), size: bytes.byteLength }, source: bytesSource(bytes) }], { created: null });
    for (const blob of [subject.config, ...subject.layers]) await target.push(blob.descriptor, blob.source);
    await target.push(subject.descriptor, bytesSource(subject.manifestBytes), { tag: 'v1' });
    const started = performance.now();
    const attached = await runAttachWriters(registry.host, `bench/race-${round}`, subject.descriptor, WRITERS);
    const seconds = (performance.now() - started) / 1000;
    const found = new Set<string>((await target.referrers(subject.descriptor)).map((d) => d.digest));
    const missing = attached.filter((d) => !found.has(d)).length;
    lost += missing;
    process.stdout.write(`  round ${round}: ${WRITERS - missing}/${WRITERS} referrers in the index (${seconds.toFixed(1)} s)\n`);
    await target.close();
  }
  process.stdout.write(`  lost ${lost} of ${rounds * WRITERS} index entries\n`);
} finally {
  await registry.stop();
}
