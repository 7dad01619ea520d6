import { mkdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConflictError, CorruptError, NotFoundError } from '@tsostree/errors';
import { Repo } from './repo.js';
import { createRefAlias, listRefAliases, listRefs, readRef, writeRef } from './repo-refs.js';
import { tempDir } from '../test/tmp.js';

const C1 = 'a'.repeat(64);

describe('ref aliases', () => {
  it('creates relative links, resolves them, and refuses to delete an aliased ref', async () => {
    const repo = await Repo.init(join(await tempDir(), 'r'), { mode: 'archive' });
    await writeRef(repo, 'os/x86_64/main', C1);
    await createRefAlias(repo, 'os/stable', 'os/x86_64/main');
    await createRefAlias(repo, 'deep/er/alias', 'os/stable');
    expect(await readlink(repo.resolve('refs/heads/deep/er/alias'))).toBe('../../os/stable');
    expect(await readRef(repo, 'deep/er/alias')).toBe(C1);
    expect([...(await listRefAliases(repo))]).toEqual([
      ['deep/er/alias', 'os/stable'],
      ['os/stable', 'os/x86_64/main'],
    ]);
    expect([...(await listRefs(repo)).keys()].sort()).toEqual(['deep/er/alias', 'os/stable', 'os/x86_64/main']);
    await expect(writeRef(repo, 'os/x86_64/main', null)).rejects.toBeInstanceOf(ConflictError);
    await expect(createRefAlias(repo, 'x', 'missing')).rejects.toBeInstanceOf(NotFoundError);
    await expect(createRefAlias(repo, 'x', '../../etc/passwd')).rejects.toBeInstanceOf(NotFoundError);
    await expect(createRefAlias(repo, '../x', 'os/stable')).rejects.toThrow(/ref/i);
    // Deleting the alias removes the link only.
    await writeRef(repo, 'deep/er/alias', null);
    expect(await readRef(repo, 'os/stable')).toBe(C1);
  });

  it('does not treat links leaving refs/heads as aliases, and refuses a link to a non-ref file', async () => {
    const dir = await tempDir();
    const repo = await Repo.init(join(dir, 'r'), { mode: 'archive' });
    await writeRef(repo, 'main', C1);
    await mkdir(join(dir, 'outside'));
    await writeFile(join(dir, 'outside/secret'), 'not a checksum\n');
    await symlink(join(dir, 'outside/secret'), repo.resolve('refs/heads/evil'));
    await symlink('../../../outside/secret', repo.resolve('refs/heads/evil2'));
    expect([...(await listRefAliases(repo))]).toEqual([]);
    await expect(listRefs(repo)).rejects.toBeInstanceOf(CorruptError);
    await expect(readRef(repo, 'evil2')).rejects.toBeInstanceOf(CorruptError);
  });
});
