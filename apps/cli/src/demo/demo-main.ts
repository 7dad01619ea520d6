// `npm run demo [dir]`: runs the README demo in `dir` (default: demo/ at the workspace root,
// or $TSOSTREE_DEMO_DIR).
import { fileURLToPath } from 'node:url';
import { nodeContext } from '../context.js';
import { reportError } from '../error-handler.js';
import { runDemo } from './run-demo.js';

const ctx = nodeContext();
const dir = process.argv[2] ?? ctx.env.TSOSTREE_DEMO_DIR ?? fileURLToPath(new URL('../../../../demo', import.meta.url));
try {
  process.exitCode = await runDemo({ dir, ctx });
} catch (error) {
  process.exitCode = reportError(error, ctx, process.argv.includes('--debug'));
}
