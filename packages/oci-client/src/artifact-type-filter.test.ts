import { describe, expect, it } from 'vitest';
import { artifactTypeFilter } from './copy.ts';

describe('artifactTypeFilter (copy -r --include-artifact-type / --exclude-artifact-type)', () => {
  it('without patterns, everything passes', () => {
    expect(artifactTypeFilter({})('application/spdx+json')).toBe(true);
  });

  it('includes: only what one of them names, exactly or by a prefix ending in *', () => {
    const keep = artifactTypeFilter({ include: ['application/spdx+json', 'application/vnd.dev.sigstore.*'] });
    expect(keep('application/spdx+json')).toBe(true);
    expect(keep('application/vnd.dev.sigstore.bundle.v0.3+json')).toBe(true);
    expect(keep('application/spdx+json; charset=utf-8')).toBe(false);
    expect(keep('application/vnd.cyclonedx+json')).toBe(false);
  });

  it('excludes win over includes', () => {
    const keep = artifactTypeFilter({ include: ['application/*'], exclude: ['application/vnd.acme.internal.*'] });
    expect(keep('application/vnd.acme.internal.scan.v1')).toBe(false);
    expect(keep('application/vnd.acme.public.v1')).toBe(true);
    expect(keep('text/plain')).toBe(false);
  });
});
