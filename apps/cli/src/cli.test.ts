import { describe, expect, it } from 'vitest';
import { runCli } from '../test/run-cli.js';
import { COMMAND_TREE, type CommandEntry } from './command-tree.js';
import { nodeContext } from './context.js';
import { VERSION } from './version.js';

function leafPaths(entries: readonly CommandEntry[], prefix: string[] = []): string[][] {
  return entries.flatMap((entry) =>
    typeof entry === 'function'
      ? [[...prefix, entry(nodeContext()).name()]]
      : [[...prefix, entry.group], ...leafPaths(entry.commands, [...prefix, entry.group])],
  );
}

describe('tsostree', () => {
  it('prints its version', async () => {
    const r = await runCli(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
  });

  it('lists both command families in --help', async () => {
    const r = await runCli(['--help']);
    expect(r.status).toBe(0);
    for (const verb of ['status', 'upgrade', 'deploy', 'rebase', 'rollback', 'install', 'override', 'db', 'compose', 'kargs', 'ostree']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${verb}\\b`, 'm'));
    }
  });

  const paths = leafPaths(COMMAND_TREE);

  it('has the rpm-ostree and ostree verbs the design names', () => {
    const joined = paths.map((p) => p.join(' '));
    for (const verb of [
      'status', 'upgrade', 'deploy', 'rebase', 'rollback', 'install', 'uninstall', 'override replace', 'db diff',
      'compose tree', 'kargs', 'initramfs', 'cleanup', 'ostree init', 'ostree commit', 'ostree checkout',
      'ostree fsck', 'ostree prune', 'ostree pull', 'ostree static-delta generate', 'ostree admin deploy',
      'ostree admin finalize-staged', 'ostree admin kargs edit-in-place',
    ]) {
      expect(joined).toContain(verb);
    }
  });

  it.each(paths.map((p) => [p.join(' ')]))('%s --help prints usage and succeeds', async (path) => {
    const r = await runCli([...path.split(' '), '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Usage: tsostree ${path}`);
  });

  it('fails with a usage status and a suggestion for an unknown verb', async () => {
    const r = await runCli(['statsu']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'statsu'/);
    expect(r.stderr).toMatch(/Did you mean status\?/);
  });

  it('fails for a group given without a verb', async () => {
    const r = await runCli(['ostree', 'admin']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Usage: tsostree ostree admin');
  });

  it('rejects an unknown option', async () => {
    const r = await runCli(['status', '--no-such-option']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--no-such-option'/);
  });
});
