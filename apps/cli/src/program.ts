import { Command } from 'commander';
import { COMMAND_TREE, type CommandEntry } from './command-tree.js';
import type { CliContext } from './context.js';
import { VERSION } from './version.js';

/** Builds the whole `tsostree` command tree, writing through `ctx` and throwing instead of exiting. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('tsostree')
    .description('Atomic, image-like upgrades with rollback for RPM-based systems (rpm-ostree in TypeScript).')
    .version(VERSION, '--version', 'print the version and exit')
    .option('--debug', 'print stack traces for internal errors')
    .showSuggestionAfterError(true);
  addEntries(program, COMMAND_TREE, ctx);
  configureRecursively(program, ctx);
  return program;
}

function addEntries(parent: Command, entries: readonly CommandEntry[], ctx: CliContext): void {
  for (const entry of entries) {
    if (typeof entry === 'function') {
      parent.addCommand(entry(ctx));
    } else {
      const group = new Command(entry.group).summary(entry.summary).description(`${entry.summary}.`);
      addEntries(group, entry.commands, ctx);
      parent.addCommand(group);
    }
  }
}

function configureRecursively(command: Command, ctx: CliContext): void {
  command
    .exitOverride()
    .configureOutput({ writeOut: ctx.stdout, writeErr: ctx.stderr, outputError: (text, write) => write(text) })
    .helpOption('-h, --help', 'show help for this command');
  // A group without an action (`tsostree ostree admin`) prints its help to stderr and fails.
  for (const sub of command.commands) configureRecursively(sub, ctx);
}
