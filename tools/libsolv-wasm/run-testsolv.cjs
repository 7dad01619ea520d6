#!/usr/bin/env node
// Runs libsolv's `testsolv` compiled to WebAssembly (tools/libsolv-wasm/build.sh --testsolv):
//   node run-testsolv.cjs <testsolv.cjs> [testsolv arguments...]
// Emscripten 3.1.6's loader tries fetch() for the .wasm on Node 18+, which fails on a file path,
// Its CommonJS wrapper declares its own `Module`, so we cannot hand it the bytes; instead we hide fetch, which
// makes it read the .wasm next to it with fs.
'use strict';
const { existsSync } = require('node:fs');
const path = require('node:path');

const [, , script, ...args] = process.argv;
if (!script) {
  process.stderr.write('usage: run-testsolv.cjs <testsolv.cjs> [args...]\n');
  process.exit(2);
}
const resolved = path.resolve(script);
if (!existsSync(resolved.replace(/\.c?js$/, '.wasm'))) {
  process.stderr.write(`run-testsolv: no .wasm next to ${resolved}\n`);
  process.exit(2);
}
globalThis.fetch = undefined;
process.argv = [process.argv[0], resolved, ...args];
require(resolved);
