export { main } from './main.js';
export { buildProgram, buildProgramFor } from './program.js';
export { EXIT_STATUS, exitStatusFor } from './exit-status.js';
export type { CliContext } from './context.js';
export { COMMAND_TREE } from './command-tree.js';
export type { CommandEntry, CommandFactory, CommandGroup, CommandVerb } from './command-tree.js';
