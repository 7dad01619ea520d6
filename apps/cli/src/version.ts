import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The version of @tsostree/cli, read from its package.json (same relative path from src/ and dist/). */
export const VERSION: string = (require('../package.json') as { version: string }).version;
