/**
 * Loading a treefile from disk: `include`, `arch-include` and `conditional-include` followed
 * recursively (depth limit 50, include loops refused by device/inode like rpm-ostree), every
 * included or external file required to stay inside the context directory, then merged,
 * substituted and checksummed (the treefile part of `rpmostree.inputhash`).
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { InvalidArgumentError, ParseError, fromSystemError, isTsostreeError, throwIfAborted } from '@tsostree/errors';
import { evaluateCondition, finalizeTreefile, mergeTreefileFragment } from './format/treefile-merge.js';
import { MAX_TREEFILE_BYTES, parseTreefile, type SourceLocation, type TreefileFragment } from './format/treefile-parse.js';
import { INCLUDE_MAX_DEPTH } from './format/treefile-schema.js';
import type { Treefile, VarValue } from './format/treefile-types.js';

export interface LoadTreefileOptions {
  /** Architecture to evaluate for (`${basearch}`, `packages-<arch>`). Default: this machine's. */
  basearch?: string;
  /**
   * Every included treefile and external file (postprocess-script, add-files, check-passwd
   * files) must resolve (symlinks followed) inside this directory. Default: the directory of the
   * top-level treefile.
   */
  contextDir?: string;
  signal?: AbortSignal;
}

export interface TreefileExternals {
  /** Absolute path of `postprocess-script`. */
  postprocessScript?: string;
  /** add-files source name (as written) → absolute path. */
  addFiles: Record<string, string>;
  /** Absolute paths of `check-passwd` / `check-groups` files (type `file`). */
  passwd?: string;
  group?: string;
}

export interface LoadedTreefile {
  treefile: Treefile;
  /** Absolute path of the top-level treefile. */
  path: string;
  /** Its directory (where `.repo` files are looked up). */
  dir: string;
  /** Every treefile read, top-level first. */
  files: string[];
  externals: TreefileExternals;
  /** SHA-256 over the flattened treefile (without `metadata`) and every external file's content. */
  checksum: string;
}

const ARCHES: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ppc64: 'ppc64le', s390x: 's390x', ia32: 'i386', riscv64: 'riscv64' };

/** rpm's basearch for this machine. */
export function hostBasearch(): string {
  return ARCHES[process.arch] ?? process.arch;
}

interface LoadState {
  basearch: string;
  context: string;
  seen: Map<string, string>;
  files: string[];
  variables: Record<string, VarValue>;
  externals: TreefileExternals;
  signal?: AbortSignal;
}

function locatedError(location: SourceLocation | undefined, message: string, data: Record<string, unknown> = {}): InvalidArgumentError {
  const where = location ? `${location.file}:${location.line}:${location.column}: ` : '';
  return new InvalidArgumentError(`${where}${message}`, { data: { ...location, ...data } });
}

async function resolveInside(state: LoadState, base: string, name: string, location: SourceLocation | undefined, what: string): Promise<string> {
  if (name === '' || name.includes('\0')) throw locatedError(location, `invalid ${what} path ${JSON.stringify(name)}`);
  const joined = resolve(base, name);
  let real: string;
  try {
    real = await realpath(joined);
  } catch (err) {
    throw withLocation(fromSystemError(err, joined), location, what);
  }
  const rel = relative(state.context, real);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw locatedError(location, `${what} ${JSON.stringify(name)} resolves outside ${state.context} (to ${real})`, { path: name });
  }
  return real;
}

function withLocation(err: unknown, location: SourceLocation | undefined, what: string): unknown {
  if (!location || !isTsostreeError(err)) return err;
  const ctor = err.constructor as new (m: string, o: object) => Error;
  return new ctor(`${location.file}:${location.line}:${location.column}: ${what}: ${err.message}`, { cause: err, data: { ...err.data, ...location } });
}

/** Reads a regular file of bounded size; returns its bytes and device:inode. */
async function readBounded(path: string, limit: number): Promise<{ bytes: Buffer; id: string }> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
  } catch (err) {
    throw fromSystemError(err, path);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new InvalidArgumentError(`${path}: not a regular file`, { data: { path } });
    if (st.size > limit) throw new ParseError(`${path}: file too large (${st.size} bytes, limit ${limit})`, { data: { path, size: st.size } });
    const bytes = Buffer.alloc(st.size);
    let done = 0;
    while (done < st.size) {
      const { bytesRead } = await handle.read(bytes, done, st.size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return { bytes: bytes.subarray(0, done), id: `${st.dev}:${st.ino}` };
  } finally {
    await handle.close();
  }
}

async function parseRecurse(state: LoadState, path: string, depth: number): Promise<TreefileFragment> {
  throwIfAborted(state.signal);
  const { bytes, id } = await readBounded(path, MAX_TREEFILE_BYTES);
  const previous = state.seen.get(id);
  if (previous !== undefined) throw new InvalidArgumentError(`Include loop detected; ${path} was already included`, { data: { path, previous } });
  state.seen.set(id, path);
  state.files.push(path);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ParseError(`${path}: not valid UTF-8`, { data: { file: path } });
  }
  const fragment = parseTreefile(text, { filename: path, basearch: state.basearch });
  const dir = dirname(path);

  // Variables: values already known (from including files) win over this file's.
  const own = (fragment.values['variables'] as Record<string, VarValue> | undefined) ?? {};
  delete fragment.values['variables'];
  state.variables = { ...own, ...state.variables, basearch: state.basearch };
  if (fragment.values['releasever'] !== undefined && !Object.hasOwn(state.variables, 'releasever')) {
    state.variables['releasever'] = fragment.values['releasever'] as VarValue;
  }

  await collectExternals(state, fragment, dir);

  const includes = [...fragment.includes];
  for (const cond of fragment.conditionalIncludes) {
    let matches = true;
    for (const c of cond.conditions) {
      try {
        matches = evaluateCondition(c, state.variables) && matches;
      } catch (err) {
        throw new ParseError(`${cond.location.file}:${cond.location.line}:${cond.location.column}: ${(err as Error).message}`, {
          offset: cond.location.offset,
          data: { ...cond.location },
        });
      }
    }
    if (!matches) continue;
    if ('inline' in cond.include) {
      await collectExternals(state, cond.include.inline, dir);
      mergeTreefileFragment(fragment, cond.include.inline);
    } else {
      for (const p of cond.include.files) includes.push({ path: p, location: cond.location });
    }
  }
  for (const include of includes) {
    if (depth >= INCLUDE_MAX_DEPTH) {
      throw locatedError(include.location, `Reached maximum include depth ${INCLUDE_MAX_DEPTH}`);
    }
    const target = await resolveInside(state, dir, include.path, include.location, 'include');
    const included = await parseRecurse(state, target, depth + 1);
    mergeTreefileFragment(fragment, included);
  }
  return fragment;
}

async function collectExternals(state: LoadState, fragment: TreefileFragment, dir: string): Promise<void> {
  const v = fragment.values;
  const ext = state.externals;
  if (typeof v['postprocess-script'] === 'string' && ext.postprocessScript === undefined) {
    ext.postprocessScript = await resolveInside(state, dir, v['postprocess-script'], fragment.locations['postprocess-script'], 'postprocess-script');
  }
  for (const [name] of (v['add-files'] as [string, string][] | undefined) ?? []) {
    if (!Object.hasOwn(ext.addFiles, name)) {
      ext.addFiles[name] = await resolveInside(state, dir, name, fragment.locations['add-files'], 'add-files source');
    }
  }
  for (const [key, slot] of [['check-passwd', 'passwd'], ['check-groups', 'group']] as const) {
    const cp = v[key] as { type: string; filename?: string } | undefined;
    if (cp?.type === 'file' && ext[slot] === undefined) {
      ext[slot] = await resolveInside(state, dir, cp.filename!, fragment.locations[key], key);
    }
  }
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Loads, merges and validates a treefile (YAML for `.yaml`/`.yml`, JSON otherwise).
 * Errors: `ParseError`/`InvalidArgumentError` naming file:line:column and the key; `NotFoundError`
 * for a missing include or external file.
 */
export async function loadTreefile(path: string, options: LoadTreefileOptions = {}): Promise<LoadedTreefile> {
  const basearch = options.basearch ?? hostBasearch();
  if (!/^[A-Za-z0-9_]+$/.test(basearch)) throw new InvalidArgumentError(`invalid basearch ${JSON.stringify(basearch)}`);
  let top: string;
  try {
    top = await realpath(resolve(path));
  } catch (err) {
    throw fromSystemError(err, path);
  }
  const dir = dirname(top);
  let context: string;
  try {
    context = await realpath(options.contextDir ?? dir);
  } catch (err) {
    throw fromSystemError(err, options.contextDir ?? dir);
  }
  const state: LoadState = {
    basearch,
    context,
    seen: new Map(),
    files: [],
    variables: {},
    externals: { addFiles: {} },
    signal: options.signal,
  };
  if (relative(context, top).startsWith('..')) {
    throw new InvalidArgumentError(`treefile ${top} is outside the context directory ${context}`);
  }
  const merged = await parseRecurse(state, top, 0);
  const treefile = finalizeTreefile(merged, basearch, state.variables);

  const hash = createHash('sha256');
  const { metadata: _metadata, 'ostree-layers': _layers, ...hashed } = treefile;
  hash.update(canonicalJson(hashed));
  const ext = state.externals;
  const externalFiles = [ext.postprocessScript, ext.passwd, ext.group, ...Object.keys(ext.addFiles).sort().map((k) => ext.addFiles[k])];
  for (const file of externalFiles) {
    if (file === undefined) continue;
    const { bytes } = await readBounded(file, 1024 * 1024 * 1024);
    hash.update(`${bytes.length}\0`);
    hash.update(bytes);
  }
  return { treefile, path: top, dir, files: state.files, externals: ext, checksum: hash.digest('hex') };
}
