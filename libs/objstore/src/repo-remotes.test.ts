import { mkdtemp, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Repo } from './repo.js';
import { addRemote, deleteRemote, getRemote, listRemotes } from './repo-remotes.js';

let dir: string;
let remotesD: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'repo-remotes-'));
  remotesD = join(dir, 'etc/ostree/remotes.d');
  await Repo.init(join(dir, 'repo'), { mode: 'archive' });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const open = (system = true): Promise<Repo> => Repo.open(join(dir, 'repo'), { remotesConfigDir: remotesD, system });

describe('remotes.d (the differential tests against ostree are in the CLI: remotes-d.test.ts)', () => {
  it('a missing directory is empty; a system repository adds there, a plain one in its config', async () => {
    const sys = await open(true);
    expect(listRemotes(sys)).toEqual([]);
    await addRemote(sys, 'a', 'http://a/', { branches: ['x'] });
    expect(await readFile(join(remotesD, 'a.conf'), 'utf8')).toBe('[remote "a"]\nurl=http://a/\nbranches=x;\n');
    const plain = await open(false);
    await addRemote(plain, 'b', 'http://b/');
    expect(plain.config.hasGroup('remote "b"')).toBe(true);
    expect(await readdir(remotesD)).toEqual(['a.conf']);
    const again = await open(true);
    expect(listRemotes(again)).toEqual(['a', 'b']);
    expect(getRemote(again, 'a')).toMatchObject({ url: 'http://a/', branches: ['x'], file: join(remotesD, 'a.conf') });
    expect(getRemote(again, 'b').file).toBeUndefined();
  });

  it('ignores non-.conf names and directories, follows a symlinked .conf like GIO does', async () => {
    await mkdir(join(remotesD, 'd.conf'), { recursive: true });
    await writeFile(join(remotesD, 'x.txt'), '[remote "x"]\nurl=http://x/\n');
    await writeFile(join(dir, 'elsewhere'), '[remote "s"]\nurl=http://s/\n');
    await symlink(join(dir, 'elsewhere'), join(remotesD, 's.conf'));
    expect(listRemotes(await open())).toEqual(['s']);
  });

  it('deleting a remote removes its whole file and every remote that file defines', async () => {
    await mkdir(remotesD, { recursive: true });
    await writeFile(join(remotesD, 'two.conf'), '[remote "p"]\nurl=http://p/\n\n[remote "q"]\nurl=http://q/\n');
    const repo = await open();
    await deleteRemote(repo, 'p');
    expect(listRemotes(repo)).toEqual([]);
    expect(await readdir(remotesD)).toEqual([]);
    await expect(deleteRemote(repo, 'q')).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('refuses a remote defined twice, a malformed file and an oversized one, naming them', async () => {
    await mkdir(remotesD, { recursive: true });
    await writeFile(join(remotesD, 'a.conf'), '[remote "r"]\nurl=http://1/\n');
    await writeFile(join(remotesD, 'b.conf'), '[remote "r"]\nurl=http://2/\n');
    await expect(open()).rejects.toMatchObject({ code: 'Conflict', message: 'Multiple specifications found for remote "r"' });
    await rm(join(remotesD, 'b.conf'));
    await writeFile(join(remotesD, 'c.conf'), 'no group here\n');
    await expect(open()).rejects.toMatchObject({ code: 'Corrupt', message: expect.stringContaining(join(remotesD, 'c.conf')) });
    await rm(join(remotesD, 'c.conf'));
    await writeFile(join(remotesD, 'big.conf'), `[remote "big"]\nurl=${'x'.repeat(2 * 1024 * 1024)}\n`);
    await expect(open()).rejects.toMatchObject({ code: 'Corrupt', message: expect.stringContaining('too large') });
  });

  it('a remote name with a slash never becomes a path outside the directory', async () => {
    await expect(addRemote(await open(), '../evil', 'http://e/')).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(readdir(join(dir, 'etc/ostree'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
