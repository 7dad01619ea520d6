import { describe, expect, it } from 'vitest';
import { formatConfigDiff } from './config-diff-format.js';

describe('formatConfigDiff', () => {
  it('groups modified, then deleted, then added paths, keeping order within a group', () => {
    const out = formatConfigDiff([
      { kind: 'A', path: 'new.conf' },
      { kind: 'M', path: 'passwd' },
      { kind: 'D', path: 'motd' },
      { kind: 'M', path: 'group' },
    ]);
    expect(out).toBe('M    passwd\nM    group\nD    motd\nA    new.conf\n');
  });

  it('prints nothing for no changes', () => {
    expect(formatConfigDiff([])).toBe('');
  });
});
