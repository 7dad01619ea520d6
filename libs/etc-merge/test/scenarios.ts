// The /etc merge scenarios run against real `ostree admin deploy`. Each scenario lives at its own
// path in one big tree (so one deploy pair covers them all): `orig` is the old defaults, `edit`
// the local changes, `next` the new defaults (default: same as orig).
import type { Editor, Entry } from './tree-spec.js';

export interface Scenario {
  name: string;
  orig: Entry[];
  edit: (e: Editor) => void;
  next?: Entry[];
}

const big = (size: number, tail: string): Buffer => Buffer.concat([Buffer.alloc(size, 0x61), Buffer.from(tail)]);

export const SCENARIOS: Scenario[] = [
  {
    name: 'content-modified',
    orig: [{ p: 'a.conf', c: 'default\n' }, { p: 'b.conf', c: 'b\n' }],
    edit: (e) => e.write('a.conf', 'local\n'),
  },
  {
    name: 'content-modified-both',
    orig: [{ p: 'a.conf', c: 'line1\nline2\n' }],
    edit: (e) => e.append('a.conf', 'local\n'),
    next: [{ p: 'a.conf', c: 'line1\nline2 new\n' }],
  },
  {
    name: 'untouched-follows-new',
    orig: [{ p: 'a.conf', c: 'old\n' }, { p: 'sub/b', c: 'old b\n', m: 0o600 }],
    edit: () => {},
    next: [{ p: 'a.conf', c: 'new\n', m: 0o640 }, { p: 'sub/b', c: 'new b\n', m: 0o600, u: 3, g: 4 }],
  },
  {
    name: 'removed-locally',
    orig: [{ p: 'gone.conf', c: 'x\n' }, { p: 'keep.conf', c: 'k\n' }],
    edit: (e) => e.rm('gone.conf'),
  },
  {
    name: 'removed-locally-changed-in-new',
    orig: [{ p: 'gone.conf', c: 'x\n' }],
    edit: (e) => e.rm('gone.conf'),
    next: [{ p: 'gone.conf', c: 'x changed\n' }],
  },
  {
    name: 'removed-dir-locally-new-adds-files',
    orig: [{ p: 'd/a', c: 'a' }, { p: 'd/sub/b', c: 'b' }],
    edit: (e) => e.rm('d'),
    next: [{ p: 'd/a', c: 'a' }, { p: 'd/sub/b', c: 'b' }, { p: 'd/new', c: 'n' }],
  },
  {
    name: 'added-locally',
    orig: [{ p: 'x', c: 'x' }],
    edit: (e) => e.write('local.conf', 'mine\n', 0o640),
  },
  {
    name: 'added-locally-and-in-new',
    orig: [{ p: 'x', c: 'x' }],
    edit: (e) => e.write('both.conf', 'mine\n'),
    next: [{ p: 'x', c: 'x' }, { p: 'both.conf', c: 'vendor\n', m: 0o600 }],
  },
  {
    name: 'dropped-by-new',
    orig: [{ p: 'old.conf', c: 'o' }, { p: 'olddir/f', c: 'f' }],
    edit: () => {},
    next: [{ p: 'other', c: 'o' }],
  },
  {
    name: 'dropped-by-new-but-modified',
    orig: [{ p: 'old.conf', c: 'o' }, { p: 'other', c: 'x' }],
    edit: (e) => e.write('old.conf', 'edited'),
    next: [{ p: 'other', c: 'x' }],
  },
  {
    name: 'chmod-file',
    orig: [{ p: 'secret', c: 's', m: 0o644 }],
    edit: (e) => e.chmod('secret', 0o600),
    next: [{ p: 'secret', c: 's2', m: 0o644 }],
  },
  {
    name: 'special-mode-bits',
    orig: [{ p: 'suid', c: '#!/bin/sh\n', m: 0o755 }, { p: 'sgid', c: 'g', m: 0o755 }],
    edit: (e) => e.chmod('suid', 0o4755).chmod('sgid', 0o2750).write('added-suid', 'x').chmod('added-suid', 0o6711),
  },
  {
    name: 'chown-file',
    orig: [{ p: 'owned', c: 'o' }],
    edit: (e) => e.chown('owned', 1000, 1001),
    next: [{ p: 'owned', c: 'o new' }],
  },
  {
    name: 'xattr-only-change',
    orig: [{ p: 'labelled', c: 'l', x: { 'user.label': 'old' } }],
    edit: (e) => e.xattr('labelled', 'user.label', 'local').xattr('labelled', 'user.extra', '1'),
    next: [{ p: 'labelled', c: 'l', x: { 'user.label': 'new' } }],
  },
  {
    name: 'xattrs-travel-with-modified-file',
    orig: [{ p: 'f', c: 'f', x: { 'user.a': 'orig' } }],
    edit: (e) => e.write('f', 'edited').xattr('f', 'user.b', 'local'),
    next: [{ p: 'f', c: 'f', x: { 'user.a': 'new', 'user.n': 'only-new' } }],
  },
  {
    name: 'xattrs-on-added',
    orig: [{ p: 'x', c: 'x' }],
    edit: (e) => e.write('added', 'a').xattr('added', 'user.k', 'v').mkdir('adir', 0o750).xattr('adir', 'user.d', 'dv'),
  },
  {
    name: 'symlink-retargeted',
    orig: [{ p: 'target-a', c: 'a' }, { p: 'target-b', c: 'b' }, { p: 'link', l: 'target-a' }],
    edit: (e) => e.symlink('link', 'target-b'),
    next: [{ p: 'target-a', c: 'a' }, { p: 'target-b', c: 'b' }, { p: 'link', l: 'target-a2' }],
  },
  {
    name: 'symlink-added-dangling-absolute',
    orig: [{ p: 'x', c: 'x' }],
    edit: (e) => e.symlink('abs', '/etc/passwd').symlink('rel', '../../nowhere'),
  },
  {
    name: 'symlink-owner-changed',
    orig: [{ p: 'link', l: 'somewhere' }],
    edit: (e) => e.chown('link', 1000, 1000),
    next: [{ p: 'link', l: 'elsewhere' }],
  },
  {
    name: 'file-became-symlink',
    orig: [{ p: 'f', c: 'f' }],
    edit: (e) => e.symlink('f', '/usr/share/f'),
  },
  {
    name: 'symlink-became-file',
    orig: [{ p: 'l', l: 'x' }],
    edit: (e) => e.rm('l').write('l', 'now a file'),
  },
  {
    name: 'file-became-dir',
    orig: [{ p: 'f', c: 'f' }],
    edit: (e) => e.rm('f').mkdir('f', 0o700).write('f/inner', 'i').mkdir('f/deeper').write('f/deeper/x', 'x'),
  },
  {
    name: 'file-became-dir-new-has-dir',
    orig: [{ p: 'f', c: 'f' }],
    edit: (e) => e.rm('f').mkdir('f').write('f/local', 'l'),
    next: [{ p: 'f/vendor', c: 'v' }],
  },
  {
    name: 'dir-became-file-new-dropped-dir',
    orig: [{ p: 'd/a', c: 'a' }, { p: 'keep', c: 'k' }],
    edit: (e) => e.rm('d').write('d', 'file now'),
    next: [{ p: 'keep', c: 'k' }],
  },
  {
    name: 'dir-chmod-lost',
    orig: [{ p: 'd', t: 'd', m: 0o755 }, { p: 'd/a', c: 'a' }],
    edit: (e) => e.chmod('d', 0o700).chown('d', 5, 6),
  },
  {
    name: 'dir-chmod-with-modified-child',
    orig: [{ p: 'd', t: 'd', m: 0o755 }, { p: 'd/a', c: 'a' }, { p: 'd/b', c: 'b' }],
    edit: (e) => e.chmod('d', 0o750).write('d/a', 'edited'),
    next: [{ p: 'd', t: 'd', m: 0o755 }, { p: 'd/a', c: 'a' }, { p: 'd/b', c: 'b2' }],
  },
  {
    name: 'dir-chown-dropped-by-new',
    orig: [{ p: 'd/a', c: 'a' }, { p: 'd/sub/b', c: 'b' }, { p: 'other', c: 'o' }],
    edit: (e) => e.chown('d', 7, 8),
    next: [{ p: 'other', c: 'o' }],
  },
  {
    name: 'deep-new-dirs',
    orig: [{ p: 'x', c: 'x' }],
    edit: (e) =>
      e.mkdir('a', 0o711).mkdir('a/b', 0o700).mkdir('a/b/c', 0o750).mkdir('a/b/c/d', 0o755).write('a/b/c/d/leaf', 'leaf', 0o600),
  },
  {
    name: 'deep-modified-under-dropped-dir',
    orig: [{ p: 'x', t: 'd', m: 0o750 }, { p: 'x/y/z/f', c: 'f' }, { p: 'x/y/z/g', c: 'g' }, { p: 'x/y/h', c: 'h' }],
    edit: (e) => e.write('x/y/z/f', 'edited').chmod('x/y', 0o700),
    next: [{ p: 'unrelated', c: 'u' }],
  },
  {
    name: 'empty-dirs',
    orig: [{ p: 'e1', t: 'd' }, { p: 'e2', t: 'd', m: 0o700 }],
    edit: (e) => e.mkdir('local-empty', 0o1777).rm('e1'),
    next: [{ p: 'e1', t: 'd' }, { p: 'e2', t: 'd', m: 0o700 }, { p: 'vendor-empty', t: 'd', m: 0o750 }],
  },
  {
    name: 'special-files-added',
    orig: [{ p: 'x', c: 'x' }],
    edit: (e) => e.fifo('fifo').socket('sock').charDevice('null2'),
  },
  {
    name: 'file-replaced-by-fifo',
    orig: [{ p: 'f', c: 'f' }],
    edit: (e) => e.rm('f').fifo('f'),
    next: [{ p: 'f', c: 'f new' }],
  },
  {
    name: 'hardlinks-become-copies',
    orig: [{ p: 'x', c: 'x' }],
    edit: (e) => e.write('h1', 'shared').hardlink('h1', 'h2'),
  },
  {
    name: 'sticky-and-setgid-dirs',
    orig: [{ p: 'x', c: 'x' }],
    edit: (e) => e.mkdir('tmpish', 0o1777).mkdir('shared', 0o2775).write('shared/f', 'f'),
  },
  {
    name: 'zero-mode-and-empty-files',
    orig: [{ p: 'empty', c: '' }, { p: 'full', c: 'data' }],
    edit: (e) => e.write('empty', 'now has data').write('full', '').write('nomode', 'n', 0o000),
  },
  {
    name: 'same-size-different-bytes',
    orig: [{ p: 'f', c: 'abcd' }],
    edit: (e) => e.write('f', 'abce'),
    next: [{ p: 'f', c: 'zzzz' }],
  },
  {
    name: 'big-files',
    orig: [{ p: 'same', c: big(5 << 20, 'end') }, { p: 'changed', c: big(5 << 20, 'end') }],
    edit: (e) => e.write('changed', big(5 << 20, 'END')),
    next: [{ p: 'same', c: big(5 << 20, 'new') }, { p: 'changed', c: big(5 << 20, 'new') }],
  },
  {
    name: 'owner-and-mode-in-new-defaults',
    orig: [{ p: 'd', t: 'd', m: 0o755 }, { p: 'd/f', c: 'f', u: 0, g: 0 }],
    edit: (e) => e.write('d/local', 'l'),
    next: [{ p: 'd', t: 'd', m: 0o750, u: 0, g: 10 }, { p: 'd/f', c: 'f', u: 2, g: 2, m: 0o640 }],
  },
  {
    name: 'added-dir-where-new-has-file',
    orig: [{ p: 'x', c: 'x' }],
    edit: (e) => e.mkdir('d', 0o750).write('d/f', 'f'),
    next: [{ p: 'x', c: 'x' }, { p: 'd', c: 'vendor file' }],
  },
  {
    name: 'dir-xattrs-union-on-template',
    orig: [{ p: 'd', t: 'd', x: { 'user.a': 'orig' } }, { p: 'd/f', c: 'f' }],
    edit: (e) => e.xattr('d', 'user.a', 'local').xattr('d', 'user.m', '1').write('d/f', 'edited'),
    next: [{ p: 'd', t: 'd', x: { 'user.a': 'new', 'user.n': '1' } }, { p: 'd/f', c: 'f' }],
  },
  {
    name: 'added-dir-merges-into-new-default-dir',
    orig: [{ p: 'x', c: 'x' }],
    edit: (e) => e.mkdir('a', 0o700).chown('a', 9, 9).mkdir('a/b', 0o750).write('a/b/f', 'f'),
    next: [{ p: 'x', c: 'x' }, { p: 'a', t: 'd', m: 0o755, x: { 'user.v': 'vendor' } }, { p: 'a/vendor', c: 'v' }],
  },
  // Top-level paths (no '/' in the path, so no parent directory template is applied).
  {
    name: 'top-modified.conf',
    orig: [{ p: '', c: 'top\n' }],
    edit: (e) => e.write('', 'top local\n'),
    next: [{ p: '', c: 'top new\n' }],
  },
  {
    name: 'top-added-dir',
    orig: [],
    edit: (e) => e.mkdir('', 0o700).write('inner', 'i').symlink('link', 'inner'),
  },
  {
    name: 'top-removed',
    orig: [{ p: '', c: 'bye' }],
    edit: (e) => e.rm(''),
  },
];
