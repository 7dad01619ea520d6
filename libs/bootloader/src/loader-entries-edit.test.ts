import { describe, expect, it } from 'vitest';
import { editCurrentLoaderEntries, editEntryKernelArgs } from './loader-entries-edit.js';
import { MemorySysroot } from './testing/memory-sysroot.js';

const tree = {
  'boot/loader': { symlink: 'loader.1' },
  'boot/loader.1/entries/ostree-1-os.conf': 'title A (ostree:1)\nversion 1\noptions root=/dev/sda1 quiet\nlinux /k\n',
  'boot/loader.1/entries/ostree-2-os.conf': 'title A (ostree:0)\nversion 2\noptions root=/dev/sda1\nlinux /k\n',
  'boot/loader.1/entries/other.conf': 'garbage',
  'boot/loader.0/entries/ostree-1-os.conf': 'title old\nlinux /old\n',
} as const;

describe('editCurrentLoaderEntries', () => {
  it('rewrites only the changed entries of the current boot version, through boot/loader', async () => {
    const root = new MemorySysroot(tree);
    const changed = await editCurrentLoaderEntries({
      read: root.read,
      write: root.write,
      edit: (e) => editEntryKernelArgs(e, (k) => k.appendIfMissing('quiet')),
    });
    expect(changed).toEqual(['ostree-2-os.conf']);
    expect(root.text('boot/loader.1/entries/ostree-2-os.conf')).toBe('title A (ostree:0)\nversion 2\noptions root=/dev/sda1 quiet\nlinux /k\n');
    expect(root.text('boot/loader.1/entries/ostree-1-os.conf')).toBe(tree['boot/loader.1/entries/ostree-1-os.conf']);
    expect(root.text('boot/loader.0/entries/ostree-1-os.conf')).toBe('title old\nlinux /old\n');
    expect(root.writes).toEqual(['boot/loader/entries/ostree-2-os.conf']);
  });

  it('parses everything before writing anything', async () => {
    const root = new MemorySysroot({ ...tree, 'boot/loader.1/entries/ostree-3-os.conf': 'title broken\n' });
    await expect(
      editCurrentLoaderEntries({ read: root.read, write: root.write, edit: (e) => editEntryKernelArgs(e, (k) => k.append('x')) }),
    ).rejects.toMatchObject({ code: 'Parse', message: expect.stringMatching(/ostree-3-os.conf/) });
    expect(root.writes).toEqual([]);
  });
});
