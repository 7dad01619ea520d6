import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFsSysrootPorts } from './sysroot-fs-ports.js';

let work: string;
let root: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tsostree-ports-'));
  root = join(work, 'root');
  await mkdir(join(root, 'boot/loader.0'), { recursive: true });
  await writeFile(join(work, 'outside.txt'), 'secret');
  await writeFile(join(root, 'boot/loader.0/uEnv.txt'), 'a=1\n');
  await symlink('loader.0', join(root, 'boot/loader'));
  await symlink('/boot/loader.0', join(root, 'boot/abs'));
  await symlink('../../../outside.txt', join(root, 'boot/escape'));
  await symlink(join(work, 'outside.txt'), join(root, 'boot/hostabs'));
  await symlink('loop', join(root, 'boot/loop'));
  await symlink('../..', join(root, 'boot/up'));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

describe('createFsSysrootPorts', () => {
  it('follows symlinks inside the sysroot', async () => {
    const { read } = createFsSysrootPorts(root);
    expect(new TextDecoder().decode(await read.readFile('boot/loader/uEnv.txt'))).toBe('a=1\n');
    expect(new TextDecoder().decode(await read.readFile('boot/abs/uEnv.txt'))).toBe('a=1\n');
    expect(await read.lstat('boot/loader')).toBe('symlink');
    expect(await read.lstat('boot/loader/uEnv.txt')).toBe('file');
    expect(await read.lstat('boot/loader.0')).toBe('directory');
    expect(await read.lstat('boot/missing')).toBeUndefined();
    expect(await read.exists('boot/loader/uEnv.txt')).toBe(true);
    expect(await read.exists('boot/loader/uEnv.txt/x')).toBe(false);
    expect((await read.readDir('boot/loader'))?.sort()).toEqual(['uEnv.txt']);
    expect(await read.readDir('nope')).toBeUndefined();
  });

  it('never leaves the sysroot through symlinks, and refuses .. and absolute paths', async () => {
    const { read, write } = createFsSysrootPorts(root);
    expect(await read.readFile('boot/escape')).toBeUndefined();
    expect(await read.readFile('boot/hostabs')).toBeUndefined();
    expect(await read.readFile('boot/up/boot/loader/uEnv.txt')).toBeDefined();
    await expect(read.readFile('boot/loop')).rejects.toMatchObject({ code: 'Io' });
    for (const bad of ['../outside.txt', '/etc/passwd', 'boot//x', 'boot/./x', '']) {
      await expect(read.readFile(bad)).rejects.toMatchObject({ code: 'InvalidArgument' });
      await expect(write.writeFile(bad, new Uint8Array())).rejects.toMatchObject({ code: 'InvalidArgument' });
    }
    // Writing through a symlink that points outside lands inside the root.
    await write.writeFile('boot/up/escaped.txt', new TextEncoder().encode('x'));
    expect(await readFile(join(root, 'escaped.txt'), 'utf8')).toBe('x');
    expect(await readFile(join(work, 'outside.txt'), 'utf8')).toBe('secret');
  });

  it('writes atomically and creates parent directories', async () => {
    const { read, write } = createFsSysrootPorts(root);
    await write.writeFile('boot/loader.1/entries/ostree-1-os.conf', new TextEncoder().encode('linux /k\n'));
    await write.writeFile('boot/loader.1/entries/ostree-1-os.conf', new TextEncoder().encode('linux /k2\n'));
    expect(new TextDecoder().decode(await read.readFile('boot/loader.1/entries/ostree-1-os.conf'))).toBe('linux /k2\n');
    expect(await read.readDir('boot/loader.1/entries')).toEqual(['ostree-1-os.conf']);
  });
});
