// The status printers on hand-made deployment lists (the verbs' end-to-end tests cover real sysroots).
import { KeyFile, Variant, type Commit } from '@tsostree/objstore';
import { describe, expect, it } from 'vitest';
import type { DeploymentView } from './deployment-view.js';
import { formatAdminStatus } from './ostree/admin/admin-status-format.js';
import { formatStatusJson, formatStatusText } from './status-format.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

function commit(version: string | undefined, timestamp: number, extra: [string, Variant][] = []): Commit {
  const metadata: [string, Variant][] = version === undefined ? [] : [['version', new Variant('s', version)]];
  return { metadata: [...metadata, ...extra], parent: null, related: [], subject: '', body: '', timestamp, rootTree: A, rootMeta: A };
}

function view(over: Partial<DeploymentView>): DeploymentView {
  return {
    index: 0,
    stateroot: 'os',
    checksum: A,
    serial: 0,
    booted: false,
    pending: false,
    rollback: false,
    staged: false,
    pinned: false,
    unlocked: 'none',
    origin: KeyFile.parse('[origin]\nrefspec=remote:os/stable\n'),
    commit: commit('2', 1_700_000_000),
    ...over,
  };
}

describe('ostree admin status format', () => {
  it('prints the markers, version, pin and origin lines', () => {
    const text = formatAdminStatus([
      view({ staged: true, checksum: B, serial: 1 }),
      view({ pending: true, pinned: true }),
      view({ booted: true, serial: 3, origin: null, commit: commit(undefined, 0) }),
      view({ rollback: true, unlocked: 'development', origin: KeyFile.parse('[origin]\ncontainer-image-reference=x\n') }),
      view({ commit: commit('9', 1, [['ostree.source-title', new Variant('s', 'from src')]]) }),
    ]);
    expect(text).toBe(
      [
        `  os ${B}.1 (staged)`,
        '    Version: 2',
        '    origin refspec: remote:os/stable',
        `  os ${A}.0 (pending)`,
        '    Version: 2',
        '    Pinned: yes',
        '    origin refspec: remote:os/stable',
        `* os ${A}.3`,
        '    origin: none',
        `  os ${A}.0 (rollback)`,
        '    Version: 2',
        '    Unlocked: development',
        '    origin: <unknown origin type>',
        `  os ${A}.0`,
        '    Version: 9',
        '    origin refspec: remote:os/stable',
        '    `- from src',
        '',
      ].join('\n'),
    );
  });

  it('says when there is nothing deployed', () => {
    expect(formatAdminStatus([])).toBe('No deployments.\n');
  });
});

describe('rpm-ostree status format', () => {
  const list = [view({ checksum: B, commit: commit('2', 1_700_000_000) }), view({ booted: true, pinned: true, commit: commit(undefined, 1_600_000_000) })];

  it('aligns keys like rpm-ostree and marks the booted deployment', () => {
    expect(formatStatusText(list)).toBe(
      [
        'State: idle',
        'Deployments:',
        '  remote:os/stable',
        '                   Version: 2 (2023-11-14T22:13:20Z)',
        `                    Commit: ${B}`,
        '',
        '● remote:os/stable',
        '                 Timestamp: 2020-09-13T12:26:40Z',
        `                    Commit: ${A}`,
        '                    Pinned: yes',
        '',
      ].join('\n'),
    );
  });

  it('adds Staged and StateRoot with -v, and filters with -b', () => {
    const verbose = formatStatusText(list, { verbose: true });
    expect(verbose).toContain('AutomaticUpdates: disabled\nDeployments:\n');
    expect(verbose).toContain(`${B}\n                    Staged: no\n                 StateRoot: os\n`);
    expect(verbose.match(/Staged:/g)).toHaveLength(1);
    const booted = formatStatusText(list, { bootedOnly: true });
    expect(booted).toContain('BootedDeployment:\n● remote:os/stable\n');
    expect(booted).not.toContain(B);
  });

  it('prints the checksum when a deployment has no origin, StateRoot when there are several', () => {
    const text = formatStatusText([view({ origin: null }), view({ stateroot: 'other' })]);
    expect(text).toContain(`  ${A}\n`);
    expect(text).toContain('                 StateRoot: other\n');
  });

  it('emits rpm-ostree\'s JSON document', () => {
    const doc = JSON.parse(
      formatStatusJson([
        view({
          serial: 2,
          booted: true,
          commit: commit('2', 5, [['ostree.ref-binding', new Variant('as', ['os/stable'])], ['n', new Variant('t', 7n)]]),
          pendingBase: { checksum: B, commit: commit('3', 6) },
        }),
      ]),
    );
    expect(Object.keys(doc)).toEqual(['deployments', 'transaction', 'cached-update', 'update-driver']);
    const [d] = doc.deployments;
    expect(d).toMatchObject({
      id: `os-${A}.2`,
      osname: 'os',
      checksum: A,
      serial: 2,
      version: '2',
      timestamp: 5,
      origin: 'remote:os/stable',
      booted: true,
      staged: false,
      pinned: false,
      unlocked: 'none',
      packages: [],
      'requested-packages': [],
      'base-commit-meta': { version: '2', 'ostree.ref-binding': ['os/stable'], n: 7 },
      'pending-base-checksum': B,
      'pending-base-version': '3',
      'pending-base-timestamp': 6,
    });
  });
});
