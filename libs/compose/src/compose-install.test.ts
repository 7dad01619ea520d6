import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileLangWanted, resolveInRoot, transactionColor } from './compose-install.js';

describe('fileLangWanted (rpm %_install_langs)', () => {
  it('keeps files whose language is a prefix of a wanted one', () => {
    expect(fileLangWanted('', ['fr'])).toBe(true);
    expect(fileLangWanted('fr', undefined)).toBe(true);
    expect(fileLangWanted('fr', ['all'])).toBe(true);
    expect(fileLangWanted('fr', ['fr'])).toBe(true);
    expect(fileLangWanted('fr', ['fr_FR'])).toBe(true);
    expect(fileLangWanted('fr_FR', ['fr'])).toBe(false);
    expect(fileLangWanted('de', ['fr', 'en_US'])).toBe(false);
    expect(fileLangWanted('de|fr', ['fr'])).toBe(true);
    expect(fileLangWanted('C', ['C.UTF-8'])).toBe(true);
  });
});

describe('resolveInRoot', () => {
  it('follows symlinked parents inside the root, never out of it, and not the last component', () => {
    const root = mkdtempSync(join(tmpdir(), 'resolve-in-root-'));
    try {
      mkdirSync(join(root, 'usr/bin'), { recursive: true });
      symlinkSync('usr/bin', join(root, 'bin'));
      symlinkSync('/usr/bin', join(root, 'abs'));
      symlinkSync('../../../../..', join(root, 'usr/up'));
      symlinkSync('/etc/passwd', join(root, 'usr/bin/last'));
      writeFileSync(join(root, 'usr/bin/x'), '');
      expect(resolveInRoot(root, '/bin/x')).toBe(join(root, 'usr/bin/x'));
      expect(resolveInRoot(root, '/abs/x')).toBe(join(root, 'usr/bin/x'));
      expect(resolveInRoot(root, '/usr/up/usr/bin/x')).toBe(join(root, 'usr/bin/x'));
      expect(resolveInRoot(root, '/usr/bin/last')).toBe(join(root, 'usr/bin/last'));
      expect(resolveInRoot(root, '/nope/x')).toBeUndefined();
      symlinkSync('loop', join(root, 'loop'));
      expect(resolveInRoot(root, '/loop/x')).toBeUndefined();
      expect(() => resolveInRoot(root, '/usr/../etc')).toThrow();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('uses rpm transaction color 3 on 64-bit multilib arches', () => {
    expect(transactionColor('x86_64')).toBe(3);
    expect(transactionColor('i686')).toBe(0);
  });
});
