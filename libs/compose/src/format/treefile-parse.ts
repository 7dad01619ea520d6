/**
 * Parsing one treefile (YAML or JSON text) into a validated fragment: every key checked against
 * rpm-ostree's schema with its location (file:line:column) kept for error messages. No file
 * system access: includes are returned as paths for the loader to follow.
 */
import { ParseError } from '@tsostree/errors';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { LEGACY_KEYS, TREEFILE_KEYS, type KeySpec } from './treefile-schema.js';
import type { CheckPasswd, JsonValue, RepoPackages, VarValue } from './treefile-types.js';

/** Where a value came from. `line` and `column` are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  offset: number;
}

export type IncludeCondition = { variable: string; op: '==' | '!=' | '>' | '>=' | '<' | '<='; value: VarValue };

export interface ConditionalInclude {
  conditions: IncludeCondition[];
  /** File names, or an inlined treefile fragment. */
  include: { files: string[] } | { inline: TreefileFragment };
  location: SourceLocation;
}

/** One parsed file (or inlined conditional include): validated values by key. */
export interface TreefileFragment {
  values: Record<string, unknown>;
  /** Where each key was written. */
  locations: Record<string, SourceLocation>;
  includes: { path: string; location: SourceLocation }[];
  conditionalIncludes: ConditionalInclude[];
}

export interface ParseTreefileOptions {
  /** Name used in messages (and for the format when `format` is not given). */
  filename: string;
  format?: 'yaml' | 'json';
  /** Selects `packages-<basearch>` and `arch-include.<basearch>`. */
  basearch: string;
}

/** Treefiles bigger than this are refused before parsing. */
export const MAX_TREEFILE_BYTES = 16 * 1024 * 1024;
const MAX_ALIAS_COUNT = 1000;
const MAX_DEPTH = 64;

/** `yaml` for `.yaml`/`.yml`, `json` otherwise (rpm-ostree's rule). */
export function treefileFormat(filename: string): 'yaml' | 'json' {
  return /\.ya?ml$/i.test(filename) ? 'yaml' : 'json';
}

class Locator {
  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
  ) {}

  at(offset: number): SourceLocation {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col, offset };
  }

  fail(message: string, offset: number, data: Record<string, unknown> = {}): never {
    const loc = this.at(offset);
    throw new ParseError(`${loc.file}:${loc.line}:${loc.column}: ${message}`, {
      offset,
      data: { file: loc.file, line: loc.line, column: loc.column, ...data },
    });
  }
}

function nodeOffset(node: unknown, fallback: number): number {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? range[0] : fallback;
}

/** Parses and validates one treefile. Throws `ParseError` with file:line:column. */
export function parseTreefile(text: string, options: ParseTreefileOptions): TreefileFragment {
  const format = options.format ?? treefileFormat(options.filename);
  const file = options.filename;
  if (text.length > MAX_TREEFILE_BYTES) {
    throw new ParseError(`${file}: treefile too large (${text.length} bytes, limit ${MAX_TREEFILE_BYTES})`, { data: { file } });
  }
  if (format === 'json') {
    try {
      JSON.parse(text);
    } catch (err) {
      const m = /position (\d+)/.exec((err as Error).message);
      const lines = new LineCounter();
      parseDocument(text, { lineCounter: lines });
      new Locator(file, lines).fail(`invalid JSON: ${(err as Error).message}`, m ? Number(m[1]) : 0);
    }
  }
  const lines = new LineCounter();
  const loc = new Locator(file, lines);
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    schema: format === 'json' ? 'json' : 'core',
    strict: true,
  });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) loc.fail(problem.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, ''), problem.pos[0]);
  if (!doc.contents) loc.fail('empty treefile (expected a mapping of keys)', 0);
  return parseTopLevel(doc, doc.contents as Node, loc, options.basearch, 0);
}

function toPlain(doc: Document, node: Node, loc: Locator): unknown {
  try {
    return node.toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    return loc.fail(`cannot read value: ${(err as Error).message}`, nodeOffset(node, 0));
  }
}

function parseTopLevel(doc: Document, root: Node, loc: Locator, basearch: string, depth: number): TreefileFragment {
  if (!isMap(root)) loc.fail('a treefile must be a mapping of keys', nodeOffset(root, 0));
  const fragment: TreefileFragment = { values: {}, locations: {}, includes: [], conditionalIncludes: [] };
  for (const pair of root.items) {
    const keyNode = pair.key as Node | null;
    const keyOffset = nodeOffset(keyNode, nodeOffset(root, 0));
    if (!isScalar(keyNode) || typeof keyNode.value !== 'string') loc.fail('treefile keys must be strings', keyOffset);
    const rawKey = keyNode.value;
    const valueNode = pair.value as Node | null;
    const valueOffset = nodeOffset(valueNode, keyOffset);
    const key = LEGACY_KEYS[rawKey] ?? rawKey;
    if (key !== rawKey && Object.hasOwn(fragment.values, key)) {
      loc.fail(`cannot use both ${rawKey} and its new form ${key}`, keyOffset, { key: rawKey });
    }
    if (rawKey.startsWith('packages-') && !Object.hasOwn(TREEFILE_KEYS, rawKey)) {
      const value = valueNode === null ? null : toPlain(doc, valueNode, loc);
      const list = expectStrings(value, `Invalid field ${rawKey}: expected array of strings`, loc, valueNode, valueOffset);
      if (rawKey.slice('packages-'.length) === basearch) {
        const previous = (fragment.values['packages'] as string[] | undefined) ?? [];
        fragment.values['packages'] = sortedUnique([...previous, ...splitPackages(list, loc, valueOffset)]);
      }
      continue;
    }
    const spec = TREEFILE_KEYS[key];
    if (!spec) loc.fail(`unknown treefile key "${rawKey}"`, keyOffset, { key: rawKey });
    if (valueNode === null || (isScalar(valueNode) && valueNode.value === null)) {
      // serde treats an explicit null as "unset" for Option<T>.
      continue;
    }
    fragment.locations[key] = loc.at(keyOffset);
    const value = toPlain(doc, valueNode, loc);
    const checked = checkValue(key, spec, value, doc, valueNode, loc, basearch, depth);
    if (key === 'include') {
      for (const path of checked as string[]) fragment.includes.push({ path, location: loc.at(valueOffset) });
    } else if (key === 'arch-include') {
      const selected = (checked as Record<string, string[]>)[basearch];
      for (const path of selected ?? []) fragment.includes.push({ path, location: loc.at(valueOffset) });
    } else if (key === 'conditional-include') {
      fragment.conditionalIncludes.push(...(checked as ConditionalInclude[]));
    } else if (key === 'packages' || key === 'bootstrap-packages') {
      const previous = (fragment.values['packages'] as string[] | undefined) ?? [];
      fragment.values['packages'] = sortedUnique([...previous, ...(checked as string[])]);
      fragment.locations['packages'] ??= loc.at(keyOffset);
    } else {
      fragment.values[key] = checked;
    }
  }
  const vars = fragment.values['variables'] as Record<string, VarValue> | undefined;
  for (const reserved of ['releasever', 'basearch']) {
    if (vars && Object.hasOwn(vars, reserved)) {
      loc.fail(`cannot define reserved variable '${reserved}'`, fragment.locations['variables']!.offset, { key: 'variables' });
    }
  }
  if (fragment.values['basearch'] !== undefined && fragment.values['basearch'] !== basearch) {
    loc.fail(
      `Invalid basearch ${String(fragment.values['basearch'])} on ${basearch}: cross-composes are not supported`,
      fragment.locations['basearch']!.offset,
      { key: 'basearch' },
    );
  }
  // rpm-ostree forces these per file.
  if (fragment.values['container'] === true) {
    Object.assign(fragment.values, {
      'boot-location': 'modules',
      selinux: false,
      'tmp-is-dir': true,
      'preserve-passwd': false,
      'check-passwd': { type: 'none' },
      'check-groups': { type: 'none' },
    });
  }
  if (fragment.values['edition'] === '2024') Object.assign(fragment.values, { 'boot-location': 'modules', 'tmp-is-dir': true });
  return fragment;
}

function sortedUnique(list: string[]): string[] {
  return [...new Set(list)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Splits package entries on whitespace, keeping `'single quoted'` parts whole (`corge 'quuz >= 1.0'`). */
export function splitPackages(entries: readonly string[], loc?: { fail(message: string, offset: number): never }, offset = 0): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    const parts = entry.split("'");
    if (parts.length % 2 === 0) {
      const message = `Missing terminating quote: ${entry}`;
      if (loc) loc.fail(message, offset);
      throw new ParseError(message);
    }
    parts.forEach((part, i) => {
      if (i % 2 === 1) {
        if (part.trim() !== '') out.push(part);
      } else {
        out.push(...part.split(/\s+/).filter((p) => p !== ''));
      }
    });
  }
  return out;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value} (${JSON.stringify(value).slice(0, 40)})`;
}

function expectStrings(value: unknown, message: string, loc: Locator, node: Node | null, offset: number): string[] {
  if (!Array.isArray(value)) loc.fail(message, offset);
  value.forEach((v, i) => {
    if (typeof v !== 'string') loc.fail(message, itemOffset(node, i, offset));
  });
  return value as string[];
}

function itemOffset(node: Node | null, index: number, fallback: number): number {
  if (node && isSeq(node)) return nodeOffset(node.items[index], fallback);
  return fallback;
}

function checkValue(
  key: string,
  spec: KeySpec,
  value: unknown,
  doc: Document,
  node: Node,
  loc: Locator,
  basearch: string,
  depth: number,
): unknown {
  const offset = nodeOffset(node, 0);
  const bad: (expected: string, at?: number) => never = (expected, at = offset) =>
    loc.fail(`invalid value for "${key}": expected ${expected}, got ${typeName(value)}`, at, { key });
  switch (spec.kind) {
    case 'string':
      if (typeof value !== 'string') bad('a string');
      return value;
    case 'bool':
      if (typeof value !== 'boolean') bad('true or false');
      return value;
    case 'u32':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) bad('an unsigned 32-bit integer');
      return value;
    case 'releasever':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
      return bad('a string or an unsigned integer');
    case 'enum': {
      const canonical = typeof value === 'string' || typeof value === 'number' ? spec.values![String(value)] : undefined;
      if (canonical === undefined) bad(`one of ${Object.keys(spec.values!).join(', ')}`);
      return canonical;
    }
    case 'strings':
      return expectStrings(value, `invalid value for "${key}": expected a list of strings`, loc, node, offset);
    case 'packages':
      return splitPackages(expectStrings(value, `invalid value for "${key}": expected a list of strings`, loc, node, offset), loc, offset);
    case 'include':
      if (typeof value === 'string') return [value];
      return expectStrings(value, `invalid value for "${key}": expected a file name or a list of file names`, loc, node, offset);
    case 'arch-include': {
      if (!isPlainObject(value)) bad('a mapping of architecture to file names');
      const out: Record<string, string[]> = {};
      for (const [arch, v] of Object.entries(value)) {
        if (typeof v === 'string') out[arch] = [v];
        else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[arch] = v as string[];
        else bad(`file names for ${arch}`);
      }
      return out;
    }
    case 'varmap': {
      if (!isPlainObject(value)) bad('a mapping of variable names to values');
      for (const [name, v] of Object.entries(value)) {
        const ok =
          typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);
        if (!ok) loc.fail(`invalid value for variable "${name}": expected a string, a boolean or an unsigned integer`, offset, { key });
      }
      return value;
    }
    case 'stringmap': {
      if (!isPlainObject(value) || !Object.values(value).every((v) => typeof v === 'string')) bad('a mapping of strings');
      return value;
    }
    case 'jsonmap':
      if (!isPlainObject(value)) bad('a mapping');
      return value as Record<string, JsonValue>;
    case 'add-files': {
      if (!Array.isArray(value)) bad('a list of [source, destination] pairs');
      return value.map((pair, i) => {
        if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
          return bad('a list of [source, destination] pairs', itemOffset(node, i, offset));
        }
        return [pair[0], pair[1]] as [string, string];
      });
    }
    case 'string-lists': {
      if (!Array.isArray(value)) bad('a list of lists of strings');
      return value.map((item, i) => {
        if (!Array.isArray(item) || item.length === 0 || !item.every((x) => typeof x === 'string')) {
          return bad('a list of non-empty lists of strings', itemOffset(node, i, offset));
        }
        return item as string[];
      });
    }
    case 'check-passwd':
      return checkPasswdValue(key, value, bad);
    case 'repo-packages': {
      if (!Array.isArray(value)) bad('a list of {repo, packages}');
      return value.map((item, i): RepoPackages => {
        const at = itemOffset(node, i, offset);
        if (!isPlainObject(item) || typeof item['repo'] !== 'string' || !Array.isArray(item['packages'])) {
          return bad('a list of {repo, packages}', at);
        }
        const extra = Object.keys(item).filter((k) => k !== 'repo' && k !== 'packages');
        if (extra.length > 0) loc.fail(`unknown key "${extra[0]}" in repo-packages`, at, { key: extra[0] });
        if (!item['packages'].every((p) => typeof p === 'string')) bad('package names', at);
        return { repo: item['repo'], packages: sortedUnique(splitPackages(item['packages'] as string[], loc, at)) };
      });
    }
    case 'conditional-include':
      return checkConditionalIncludes(value, doc, node, loc, basearch, depth);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkPasswdValue(key: string, value: unknown, bad: (expected: string) => never): CheckPasswd {
  if (!isPlainObject(value) || typeof value['type'] !== 'string') return bad('a mapping with "type"');
  const keys = Object.keys(value);
  switch (value['type']) {
    case 'none':
    case 'previous':
      if (keys.length !== 1) bad(`only "type" for ${value['type']}`);
      return { type: value['type'] };
    case 'file':
      if (typeof value['filename'] !== 'string' || keys.length !== 2) bad('{type: file, filename: …}');
      return { type: 'file', filename: value['filename'] as string };
    case 'data': {
      const entries = value['entries'];
      if (!isPlainObject(entries) || keys.length !== 2) return bad('{type: data, entries: {name: id}}');
      const id = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
      for (const v of Object.values(entries)) {
        const ok = id(v) || (Array.isArray(v) && (v.length === 1 || (v.length === 2 && key === 'check-passwd')) && v.every(id));
        if (!ok) bad(key === 'check-passwd' ? 'ids (uid, [uid] or [uid, gid])' : 'group ids');
      }
      return { type: 'data', entries: entries as Record<string, number | [number] | [number, number]> };
    }
    default:
      return bad('type none, previous, file or data');
  }
}

const CONDITION = /^\s*([A-Za-z0-9_]+)\s*(\S+?)\s*(?:(true)|(false)|([0-9]+)|"(.*)")\s*$/;
const OPS = new Set(['==', '!=', '>', '>=', '<', '<=']);

/** Parses `var op value` (`basearch == "x86_64"`, `releasever >= 40`, `flag == true`). */
export function parseIncludeCondition(text: string): IncludeCondition {
  const m = CONDITION.exec(text);
  if (!m) throw new ParseError(`invalid condition: ${text}`);
  const op = m[2]!;
  if (!OPS.has(op)) throw new ParseError(`expected one of ==, !=, >, >=, <, <= but got ${op}`);
  let value: VarValue;
  if (m[3] !== undefined) value = true;
  else if (m[4] !== undefined) value = false;
  else if (m[5] !== undefined) {
    value = Number(m[5]);
    if (!Number.isSafeInteger(value)) throw new ParseError(`number too large in condition: ${text}`);
  } else value = m[6]!;
  return { variable: m[1]!, op: op as IncludeCondition['op'], value };
}

function checkConditionalIncludes(
  value: unknown,
  doc: Document,
  node: Node,
  loc: Locator,
  basearch: string,
  depth: number,
): ConditionalInclude[] {
  const offset = nodeOffset(node, 0);
  if (!Array.isArray(value) || !isSeq(node)) return loc.fail('conditional-include must be a list of {if, include}', offset);
  return node.items.map((itemNode, i) => {
    const item = value[i] as unknown;
    const at = nodeOffset(itemNode, offset);
    if (!isPlainObject(item) || !isMap(itemNode)) return loc.fail('conditional-include entries need "if" and "include"', at);
    const extra = Object.keys(item).filter((k) => k !== 'if' && k !== 'include');
    if (extra.length > 0 || !('if' in item) || !('include' in item)) {
      return loc.fail(`conditional-include entries need exactly "if" and "include"${extra[0] ? ` (unknown "${extra[0]}")` : ''}`, at);
    }
    const rawConds = Array.isArray(item['if']) ? item['if'] : [item['if']];
    const conditions = rawConds.map((c) => {
      if (typeof c !== 'string') return loc.fail('conditions must be strings like `basearch == "x86_64"`', at);
      try {
        return parseIncludeCondition(c);
      } catch (err) {
        return loc.fail((err as Error).message, at);
      }
    });
    const inc = item['include'];
    const includeNode = itemNode.get('include', true) as Node;
    let include: ConditionalInclude['include'];
    if (typeof inc === 'string') include = { files: [inc] };
    else if (Array.isArray(inc) && inc.every((x) => typeof x === 'string')) include = { files: inc as string[] };
    else if (isPlainObject(inc)) {
      if (depth >= MAX_DEPTH) loc.fail('conditional includes nested too deeply', at);
      const inline = parseTopLevel(doc, includeNode, loc, basearch, depth + 1);
      if (inline.includes.length > 0 || inline.conditionalIncludes.length > 0 || 'variables' in inline.values) {
        loc.fail('an inlined conditional include cannot itself include files or define variables', nodeOffset(includeNode, at));
      }
      include = { inline };
    } else return loc.fail('include must be a file name, a list of file names or an inline treefile', at);
    return { conditions, include, location: loc.at(at) };
  });
}
