#!/usr/bin/env node
// Builds native/build/checkout-link.node (the hardlink checkout's per-file syscalls, see
// checkout-link.c), native/build/syncfs.node (syncfs(2), see syncfs.c) and native/build/xz.node (xz
// decoding with the system liblzma, see xz.c) with the system C compiler against the pinned
// `node-api-headers` package. Without liblzma's header (Debian: liblzma-dev) xz.node is skipped with a
// note: the package then decodes xz with lzma-native.
// Run by the `native` target, which `build` and `test` depend on (project.json).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
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
/** Whether the C compiler finds `header` (preprocessing an include of it). */
function hasHeader(header) {
  try {
    execFileSync(cc, ['-E', '-x', 'c', '-o', '/dev/null', '-'], { input: `#include <${header}>\n`, stdio: ['pipe', 'ignore', 'ignore'] });
    return true;
  } catch {
    return false;
  }
}

// One addon per source file, with the libraries it links.
const addons = [
  { name: 'checkout-link', libs: [] },
  { name: 'syncfs', libs: [] },
  { name: 'xz', libs: ['-llzma'], needs: 'lzma.h' },
];
for (const { name, libs, needs } of addons) {
  const target = join(out, `${name}.node`);
  if (needs && !hasHeader(needs)) {
    // An optional addon: the package falls back (for xz.node: lzma-native). A stale copy
    // from an earlier build is removed, so what is loaded always matches the sources.
    rmSync(target, { force: true });
    process.stderr.write(`native/build.mjs: skipping ${name}.node: ${needs} not found (install liblzma-dev); lzma-native is used instead\n`);
    continue;
  }
  const tmp = `${target}.${process.pid}.tmp`;
  execFileSync(
    cc,
    ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-fPIC', '-shared', '-fvisibility=hidden', '-I', include, '-o', tmp, join(here, `${name}.c`), ...libs],
    { stdio: 'inherit' },
  );
  // Renamed into place: a process that has the old file loaded keeps its copy.
  renameSync(tmp, target);
}
