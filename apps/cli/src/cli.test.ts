import { describe, expect, it } from 'vitest';
import { runCli } from '../test/run-cli.js';
import type { Command } from 'commander';
import { COMMAND_TREE, type CommandEntry } from './command-tree.js';
import { nodeContext } from './context.js';
import { buildProgram, buildProgramFor } from './program.js';
import { VERSION } from './version.js';

function leafPaths(entries: readonly CommandEntry[], prefix: string[] = []): string[][] {
  return entries.flatMap((entry) =>
    'verb' in entry ? [[...prefix, entry.verb]] : [[...prefix, entry.group], ...leafPaths(entry.commands, [...prefix, entry.group])],
  );
}

/** Every command path the program has, from its built commands (not from the declared tree). */
function builtPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((sub) => [[...prefix, sub.name()], ...builtPaths(sub, [...prefix, sub.name()])]);
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

  it('declares every verb under the name its module gives the command', async () => {
    // buildProgram loads every verb module and refuses a declared name that differs from the built one.
    const program = await buildProgram(nodeContext());
    expect(builtPaths(program).map((p) => p.join(' ')).sort()).toEqual(paths.map((p) => p.join(' ')).sort());
  });

  it('builds only the branch of the verb a command line names', async () => {
    const refs = await buildProgramFor(nodeContext(), ['--debug', 'ostree', 'refs', '--repo=r', 'status']);
    expect(builtPaths(refs).map((p) => p.join(' '))).toEqual(['ostree', 'ostree refs']);
    const status = await buildProgramFor(nodeContext(), ['status', '-v']);
    expect(builtPaths(status).map((p) => p.join(' '))).toEqual(['status']);
    expect(builtPaths(await buildProgramFor(nodeContext(), ['--version']))).toEqual([]);
    // Help, a group alone and an unknown verb get the whole tree (help lists it; suggestions come from it).
    for (const argv of [['--help'], ['ostree', 'admin'], ['statsu'], ['ostree', '--help'], []]) {
      expect(builtPaths(await buildProgramFor(nodeContext(), argv)).length).toBe(paths.length);
    }
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
