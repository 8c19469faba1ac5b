import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesSource } from './content.ts';
import { sha256Of } from './digest.ts';
import { discoverReferrers } from './discover.ts';
import { LayoutTarget } from './layout/layout-target.ts';
import { packLayers } from './pack.ts';
import { pushPacked } from './push-artifact.ts';
import type { Descriptor } from './schemas.ts';

async function push(target: LayoutTarget, text: string, options: { subject?: Descriptor; created?: Date | null; annotations?: Record<string, string>; artifactType?: string } = {}) {
  const bytes = new TextEncoder().encode(text);
  const artifact = packLayers([{ descriptor: { mediaType: 'text/plain', digest: sha256Of(bytes), size: bytes.byteLength }, source: bytesSource(bytes) }], {
    created: options.created ?? null,
    ...options,
  });
  await pushPacked(target, artifact);
  return artifact.descriptor;
}

describe('discoverReferrers filters', () => {
  it('keeps direct referrers matching every given annotation, and with latest only the newest one', async () => {
    const target = new LayoutTarget(join(await mkdtemp(join(tmpdir(), 'sealpack-discover-')), 'lay'));
    const subject = await push(target, 'subject');
    const old = await push(target, 'old scan', { subject, created: new Date('2026-01-01T00:00:00Z'), annotations: { 'dev.example.kind': 'scan' } });
    const recent = await push(target, 'new scan', { subject, created: new Date('2026-06-01T00:00:00Z'), annotations: { 'dev.example.kind': 'scan' } });
    const undated = await push(target, 'undated scan', { subject, annotations: { 'dev.example.kind': 'scan' } });
    const other = await push(target, 'other', { subject, created: new Date('2027-01-01T00:00:00Z'), annotations: { 'dev.example.kind': 'sbom' } });

    const scans = await discoverReferrers(target, subject, { annotations: { 'dev.example.kind': 'scan' } });
    expect(scans.referrers.map((n) => n.descriptor.digest).sort()).toEqual([old.digest, recent.digest, undated.digest].sort());
    const latestScan = await discoverReferrers(target, subject, { annotations: { 'dev.example.kind': 'scan' }, latest: true });
    expect(latestScan.referrers.map((n) => n.descriptor.digest)).toEqual([recent.digest]);
    const latestOfAll = await discoverReferrers(target, subject, { latest: true });
    expect(latestOfAll.referrers.map((n) => n.descriptor.digest)).toEqual([other.digest]);
    expect((await discoverReferrers(target, subject, { annotations: { 'dev.example.kind': 'none' }, latest: true })).referrers).toEqual([]);
  });
});
