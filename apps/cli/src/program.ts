import { Command } from 'commander';
import { COMMAND_TREE, type CommandEntry, type CommandGroup, type CommandVerb } from './command-tree.js';
import type { CliContext } from './context.js';
import { VERSION } from './version.js';

/** Builds the whole `tsostree` command tree (every verb's module is loaded), writing through `ctx` and throwing instead of exiting. */
export async function buildProgram(ctx: CliContext): Promise<Command> {
  const program = newProgram();
  await addEntries(program, COMMAND_TREE, ctx);
  configureRecursively(program, ctx);
  return program;
}

/**
 * Builds the program for one command line. When `argv` names a verb (`status`, `ostree admin
 * deploy` …), only that verb's module is loaded and only its branch of the tree is built: parsing,
 * its help and its errors are the same as with the whole tree. `--version` first needs no verb at
 * all. Anything else (`--help`, a group alone, an unknown verb with its suggestions) gets the whole
 * tree.
 */
export async function buildProgramFor(ctx: CliContext, argv: readonly string[]): Promise<Command> {
  const program = newProgram();
  if (argv.find((a) => a !== '--debug') === '--version') {
    configureRecursively(program, ctx);
    return program;
  }
  const selected = selectVerb(argv);
  if (!selected) return buildProgram(ctx);
  let parent = program;
  for (const group of selected.groups) {
    const command = groupCommand(group);
    parent.addCommand(command);
    parent = command;
  }
  parent.addCommand(await loadVerb(selected.verb, ctx));
  configureRecursively(program, ctx);
  return program;
}

function newProgram(): Command {
  return new Command('tsostree')
    .description('Atomic, image-like upgrades with rollback for RPM-based systems (rpm-ostree in TypeScript).')
    .version(VERSION, '--version', 'print the version and exit')
    .option('--debug', 'print stack traces for internal errors')
    .showSuggestionAfterError(true);
}

/** The verb the command line names, with the groups leading to it; options before it other than `--debug` select nothing. */
function selectVerb(argv: readonly string[]): { groups: CommandGroup[]; verb: CommandVerb } | undefined {
  let level: readonly CommandEntry[] = COMMAND_TREE;
  const groups: CommandGroup[] = [];
  for (const arg of argv) {
    if (arg === '--debug') continue;
    if (arg.startsWith('-')) return undefined;
    const entry = level.find((e) => ('verb' in e ? e.verb : e.group) === arg);
    if (!entry) return undefined;
    if ('verb' in entry) return { groups, verb: entry };
    groups.push(entry);
    level = entry.commands;
  }
  return undefined;
}

async function loadVerb(entry: CommandVerb, ctx: CliContext): Promise<Command> {
  const command = (await entry.load())(ctx);
  if (command.name() !== entry.verb) throw new Error(`command tree: verb '${entry.verb}' builds a command named '${command.name()}'`);
  return command;
}

function groupCommand(group: CommandGroup): Command {
  return new Command(group.group).summary(group.summary).description(`${group.summary}.`);
}

async function addEntries(parent: Command, entries: readonly CommandEntry[], ctx: CliContext): Promise<void> {
  // Imported concurrently, added in the tree's order (the order help lists them in).
  const built = await Promise.all(
    entries.map(async (entry) => {
      if ('verb' in entry) return loadVerb(entry, ctx);
      const group = groupCommand(entry);
      await addEntries(group, entry.commands, ctx);
      return group;
    }),
  );
  for (const command of built) parent.addCommand(command);
}

function configureRecursively(command: Command, ctx: CliContext): void {
  command
    .exitOverride()
    .configureOutput({ writeOut: ctx.stdout, writeErr: ctx.stderr, outputError: (text, write) => write(text) })
    .helpOption('-h, --help', 'show help for this command');
  // A group without an action (`tsostree ostree admin`) prints its help to stderr and fails.
  for (const sub of command.commands) configureRecursively(sub, ctx);
}
