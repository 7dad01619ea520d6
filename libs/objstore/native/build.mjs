#!/usr/bin/env node
// Builds native/build/checkout-link.node (the hardlink checkout's per-file syscalls, see
// checkout-link.c) and native/build/syncfs.node (syncfs(2), see syncfs.c) with the system C compiler
// against the pinned `node-api-headers` package.
// Run by the `native` target, which `build` and `test` depend on (project.json).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const here = import.meta.dirname;

/** The pinned `node-api-headers` package; else the headers that ship with this Node (a stale `npm install`). */
function includeDir() {
  try {
    return createRequire(import.meta.url)('node-api-headers').include_dir;
  } catch (error) {
    const own = join(dirname(process.execPath), '..', 'include', 'node');
    if (!existsSync(join(own, 'node_api.h'))) throw error;
    process.stderr.write(`node-api-headers is not installed (run npm install); using ${own}\n`);
    return own;
  }
}
const include = includeDir();
const out = join(here, 'build');
mkdirSync(out, { recursive: true });
const cc = process.env.CC ?? 'gcc';
// One addon per source file: checkout-link.node, syncfs.node.
for (const name of ['checkout-link', 'syncfs']) {
  const target = join(out, `${name}.node`);
  const tmp = `${target}.${process.pid}.tmp`;
  execFileSync(cc, ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-fPIC', '-shared', '-fvisibility=hidden', '-I', include, '-o', tmp, join(here, `${name}.c`)], {
    stdio: 'inherit',
  });
  // Renamed into place: a process that has the old file loaded keeps its copy.
  renameSync(tmp, target);
}
