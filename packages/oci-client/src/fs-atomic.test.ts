import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirectory } from './fs-atomic.ts';

describe('makeDirectory', () => {
  it('makes missing parents, accepts a directory that is there, and many at once', async () => {
    const root = await mkdtemp(join(tmpdir(), 'sealpack-mkdir-'));
    const deep = join(root, 'a', 'b', 'c');
    await makeDirectory(deep);
    await makeDirectory(deep);
    await Promise.all(Array.from({ length: 8 }, (_, i) => makeDirectory(join(root, 'a', 'shared', String(i % 2)))));
    expect((await stat(join(root, 'a', 'shared', '1'))).isDirectory()).toBe(true);
    // A private directory (the digest cache's, docker's config) is private all the way down.
    await makeDirectory(join(root, 'private', 'inner'), 0o700);
    expect((await stat(join(root, 'private'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(root, 'private', 'inner'))).mode & 0o777).toBe(0o700);
  });

  it('refuses a path through or onto a file', async () => {
    const root = await mkdtemp(join(tmpdir(), 'sealpack-mkdir-'));
    await writeFile(join(root, 'file'), 'x');
    await expect(makeDirectory(join(root, 'file', 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(makeDirectory(join(root, 'file'))).rejects.toMatchObject({ code: 'EEXIST' });
  });

  it.runIf(process.platform === 'linux')('fails where mkdir says ENOENT under a parent that exists (/proc), where Node 24 recursive mkdir spins', async () => {
    await expect(makeDirectory('/proc/sealpack-no-such-dir/x')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
