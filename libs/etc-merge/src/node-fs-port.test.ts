import { chmodSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getAttributeSync, setAttributeSync } from '@napi-rs/xattr';
import { ConflictError, InvalidArgumentError, isTsostreeError } from '@tsostree/errors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratchDir } from '../test/ostree-oracle.js';
import { NodeFsPort } from './node-fs-port.js';

describe('NodeFsPort confinement', () => {
  let scratch: ReturnType<typeof scratchDir>;
  let root: string;
  let outside: string;
  let port: NodeFsPort;

  beforeEach(() => {
    scratch = scratchDir('port');
    root = join(scratch.path, 'root');
    outside = join(scratch.path, 'outside');
    mkdirSync(root);
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret'), 'outside secret\n');
    chmodSync(join(outside, 'secret'), 0o644);
    setAttributeSync(join(outside, 'secret'), 'user.outside', 'x');
    symlinkSync(outside, join(root, 'dirlink')); // a parent component that is a symlink
    symlinkSync(join(outside, 'secret'), join(root, 'filelink')); // a final component that is a symlink
    symlinkSync('../outside', join(root, 'rellink'));
    port = new NodeFsPort(root);
  });
  afterEach(() => scratch.cleanup());

  it.each([['../outside/secret'], ['/etc/passwd'], ['a/../../outside'], ['a//b'], ['./a'], ['a/'], ['a\0b'], ['..']])(
    'rejects the path %j before any system call',
    async (bad) => {
      await expect(port.lstat(bad)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(port.readFile(bad)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(port.writeFile(bad, new Uint8Array(1), { uid: 0, gid: 0, mode: 0o644 })).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
      await expect(port.rmTree(bad)).rejects.toBeInstanceOf(InvalidArgumentError);
    },
  );

  it('requires an absolute root', () => {
    expect(() => new NodeFsPort('relative/root')).toThrow(InvalidArgumentError);
  });

  it('refuses to traverse a symlinked parent directory, for reads and writes', async () => {
    for (const link of ['dirlink', 'rellink']) {
      await expect(port.lstat(`${link}/secret`)).rejects.toBeInstanceOf(ConflictError);
      await expect(port.readFile(`${link}/secret`)).rejects.toBeInstanceOf(ConflictError);
      await expect(port.readdir(`${link}/x`)).rejects.toBeInstanceOf(ConflictError);
      await expect(port.writeFile(`${link}/secret`, new Uint8Array([1]), { uid: 0, gid: 0, mode: 0o777 })).rejects.toBeInstanceOf(
        ConflictError,
      );
      await expect(port.mkdir(`${link}/newdir`)).rejects.toBeInstanceOf(ConflictError);
      await expect(port.symlink('x', `${link}/newlink`, { uid: 0, gid: 0 })).rejects.toBeInstanceOf(ConflictError);
      await expect(port.setAttrs(`${link}/secret`, { uid: 1, gid: 1, mode: 0o777 })).rejects.toBeInstanceOf(ConflictError);
      await expect(port.setXattr(`${link}/secret`, 'user.evil', new Uint8Array([1]))).rejects.toBeInstanceOf(ConflictError);
      await expect(port.unlink(`${link}/secret`)).rejects.toBeInstanceOf(ConflictError);
      await expect(port.rmTree(`${link}/secret`)).rejects.toBeInstanceOf(ConflictError);
    }
    expect(readFileSync(join(outside, 'secret'), 'utf8')).toBe('outside secret\n');
  });

  it('never follows a symlink in the last component', async () => {
    expect((await port.lstat('filelink'))?.kind).toBe('symlink');
    await expect(port.readFile('filelink')).rejects.toSatisfy((e) => isTsostreeError(e));
    await expect(port.readdir('dirlink')).rejects.toSatisfy((e) => isTsostreeError(e));
    await expect(port.writeFile('filelink', new Uint8Array([1]), { uid: 0, gid: 0, mode: 0o777 })).rejects.toSatisfy((e) =>
      isTsostreeError(e),
    );
    await port.setAttrs('filelink', { uid: 1000, gid: 1000, mode: 0o777 });
    expect(await port.listXattrs('filelink')).toEqual([]);
    expect(await port.getXattr('filelink', 'user.outside')).toBeUndefined();
    await port.rmTree('dirlink');
    await port.unlink('filelink');
    const st = statSync(join(outside, 'secret'));
    expect([st.uid, st.mode & 0o7777]).toEqual([0, 0o644]);
    expect(readFileSync(join(outside, 'secret'), 'utf8')).toBe('outside secret\n');
    expect(getAttributeSync(join(outside, 'secret'), 'user.outside')?.toString()).toBe('x');
  });

  it('reports mkdir outcomes like mkdirat', async () => {
    writeFileSync(join(root, 'file'), 'f');
    expect(await port.mkdir('d')).toBe('created');
    expect(await port.mkdir('d')).toBe('exists');
    expect(await port.mkdir('file')).toBe('exists');
    expect(await port.mkdir('missing/child')).toBe('missing-parent');
    expect(await port.mkdir('file/child')).toBe('not-a-directory');
    expect(await port.lstat('file/child')).toBeUndefined();
  });

  it('forgets checked directories that are removed and replaced by symlinks', async () => {
    mkdirSync(join(root, 'real'));
    writeFileSync(join(root, 'real', 'f'), 'f');
    expect((await port.lstat('real/f'))?.kind).toBe('file');
    await port.rmTree('real');
    await port.symlink(outside, 'real', { uid: 0, gid: 0 });
    await expect(port.readFile('real/secret')).rejects.toBeInstanceOf(ConflictError);
  });
});
