import { describe, expect, it } from 'vitest';
import { sha256Of } from '../digest.ts';
import type { Descriptor } from '../schemas.ts';
import { isDigestTag, readFallbackIndex, referrersTag, updateFallbackIndex, type TaggedManifestStore } from './referrers-tag-schema.ts';

const subject = sha256Of('subject');
const entry = (text: string): Descriptor => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256Of(text), size: text.length });

/** An in-memory tag store with ETags that can be told to refuse the next writes as stale (412). */
function store(refuse = 0) {
  const tags = new Map<string, { bytes: Uint8Array; mediaType: string; etag: string }>();
  let version = 0;
  let refusals = refuse;
  const calls: string[] = [];
  const api: TaggedManifestStore = {
    readTagged: async (tag) => {
      calls.push('read');
      return tags.get(tag);
    },
    writeTagged: async (tag, bytes, mediaType, ifMatch) => {
      calls.push(`write ${ifMatch ?? '-'}`);
      if (refusals > 0) {
        refusals--;
        return false;
      }
      tags.set(tag, { bytes, mediaType, etag: `"${++version}"` });
      return true;
    },
  };
  return { api, tags, calls };
}

const quick = { random: () => 0, confirmations: 1 };

describe('updateFallbackIndex', () => {
  it('creates the index under sha256-<hex> and keeps entries de-duplicated', async () => {
    const { api, tags } = store();
    await updateFallbackIndex(api, subject, { add: [entry('a'), entry('a')] }, quick);
    await updateFallbackIndex(api, subject, { add: [entry('b')] }, quick);
    expect(tags.has(referrersTag(subject))).toBe(true);
    expect((await readFallbackIndex(api, subject))?.index.manifests.map((d) => d.digest)).toEqual([entry('a').digest, entry('b').digest]);
  });

  it('after a 412 (stale If-Match) reads again and merges onto the newer index', async () => {
    const { api, calls } = store(1);
    await updateFallbackIndex(api, subject, { add: [entry('a')] }, quick);
    await updateFallbackIndex(api, subject, { add: [entry('b')] }, quick);
    expect(calls.filter((c) => c.startsWith('write'))).toEqual(['write -', 'write -', 'write "1"']);
    expect((await readFallbackIndex(api, subject))?.index.manifests).toHaveLength(2);
  });

  it('removes entries, does nothing when the change is already there, and gives up after its attempts', async () => {
    const { api, calls } = store();
    await updateFallbackIndex(api, subject, { add: [entry('a'), entry('b')] }, quick);
    await updateFallbackIndex(api, subject, { remove: [entry('a').digest] }, quick);
    expect((await readFallbackIndex(api, subject))?.index.manifests.map((d) => d.digest)).toEqual([entry('b').digest]);
    const before = calls.length;
    await updateFallbackIndex(api, subject, { add: [entry('b')] }, quick);
    expect(calls.slice(before)).toEqual(['read']);
    const stubborn = store(100);
    await expect(updateFallbackIndex(stubborn.api, subject, { add: [entry('c')] }, { ...quick, attempts: 3 })).rejects.toMatchObject({ code: 'REGISTRY_ERROR' });
  });

  it('refuses a fallback tag that points at something other than an image index', async () => {
    const { api, tags } = store();
    tags.set(referrersTag(subject), { bytes: new TextEncoder().encode('{}'), mediaType: 'application/vnd.oci.image.manifest.v1+json', etag: '"x"' });
    await expect(readFallbackIndex(api, subject)).rejects.toMatchObject({ code: 'INVALID_MANIFEST' });
  });
});

describe('isDigestTag', () => {
  const hex = subject.slice('sha256:'.length);
  it.each([
    [referrersTag(subject), true],
    [`sha256-${hex}.sig`, true],
    [`sha256-${hex}.att`, true],
    [`sha512-${'a'.repeat(128)}`, true],
    ['v1', false],
    ['latest', false],
    ['sha256-abc', false],
    [`sha256-${hex.toUpperCase()}`, false],
    [`sha256-${hex}.sig.extra`, false],
    [`release-sha256-${hex}`, false],
  ])('%s -> %s', (tag, expected) => {
    expect(isDigestTag(tag)).toBe(expected);
  });
});
