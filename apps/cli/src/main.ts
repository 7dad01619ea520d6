import { CommanderError } from 'commander';
import { nodeContext, type CliContext } from './context.js';
import { reportError } from './error-handler.js';
import { EXIT_OK, EXIT_USAGE } from './exit-status.js';
import { ExitRequest } from './exit-request.js';
import { buildProgramFor } from './program.js';

/**
 * Runs `tsostree` with the given arguments (without the node and script paths) and returns the
 * exit status. Never calls process.exit, so tests drive it in-process.
 */
export async function main(argv: readonly string[], ctx: CliContext = nodeContext()): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const program = await buildProgramFor(ctx, argv);
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof ExitRequest) return error.status;
    if (error instanceof CommanderError) {
      // Help and --version "fail" with exit code 0; real usage errors were already printed.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    return reportError(error, ctx, debug);
  }
}
