/**
 * rpm-ostree's include merge (treefile.rs `treefile_merge`) and the final step that applies
 * defaults, `${variable}` substitution and semantic checks.
 */
import { ParseError, isTsostreeError } from '@tsostree/errors';
import { substituteVars } from '../treefile-vars.js';
import type { IncludeCondition, SourceLocation, TreefileFragment } from './treefile-parse.js';
import { TREEFILE_KEYS } from './treefile-schema.js';
import type { CheckPasswd, JsonValue, RepoPackages, Treefile, VarValue } from './treefile-types.js';

/**
 * Merges an included fragment (`src`) into the including one (`dest`), in place: scalars keep
 * `dest`'s value when it has one, lists are `src` then `dest`, maps take `src` overridden by
 * `dest`, sets are unions; `repo-packages` entries named later win per package.
 */
export function mergeTreefileFragment(dest: TreefileFragment, src: TreefileFragment): void {
  for (const [key, srcValue] of Object.entries(src.values)) {
    const spec = TREEFILE_KEYS[key];
    if (!spec) continue;
    const destValue = dest.values[key];
    if (destValue === undefined) {
      dest.values[key] = srcValue;
      if (src.locations[key]) dest.locations[key] = src.locations[key];
      continue;
    }
    if (key === 'repo-packages') {
      dest.values[key] = dedupeRepoPackages([...(srcValue as RepoPackages[]), ...(destValue as RepoPackages[])]);
      continue;
    }
    switch (spec.merge) {
      case 'vec':
        dest.values[key] = [...(srcValue as unknown[]), ...(destValue as unknown[])];
        break;
      case 'map':
        dest.values[key] = { ...(srcValue as object), ...(destValue as object) };
        break;
      case 'set':
        dest.values[key] = [...new Set([...(srcValue as string[]), ...(destValue as string[])])].sort(cmp);
        break;
      default:
        break; // basic: the including file wins
    }
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Later entries win: a package named again later is dropped from earlier entries. */
function dedupeRepoPackages(list: RepoPackages[]): RepoPackages[] {
  const seen = new Set<string>();
  const out: RepoPackages[] = [];
  for (let i = list.length - 1; i >= 0; i--) {
    const rp = list[i]!;
    const packages = rp.packages.filter((p) => !seen.has(p) && (seen.add(p), true));
    if (packages.length > 0) out.unshift({ repo: rp.repo, packages });
  }
  return out;
}

/** Evaluates a `conditional-include` condition against the variables known so far. */
export function evaluateCondition(cond: IncludeCondition, vars: Readonly<Record<string, VarValue>>): boolean {
  if (!Object.hasOwn(vars, cond.variable)) throw new ParseError(`undefined variable '${cond.variable}'`);
  const value = vars[cond.variable]!;
  if (typeof value !== typeof cond.value) throw new ParseError(`${cond.variable} is not same type as ${String(cond.value)}`);
  switch (cond.op) {
    case '==':
      return value === cond.value;
    case '!=':
      return value !== cond.value;
    default:
      if (typeof value !== 'number' || typeof cond.value !== 'number') {
        throw new ParseError(`invalid op for values '${String(value)}' and '${String(cond.value)}'`);
      }
      switch (cond.op) {
        case '>':
          return value > cond.value;
        case '>=':
          return value >= cond.value;
        case '<':
          return value < cond.value;
        default:
          return value <= cond.value;
      }
  }
}

function located(location: SourceLocation | undefined, message: string, key: string): ParseError {
  if (!location) return new ParseError(message, { data: { key } });
  return new ParseError(`${location.file}:${location.line}:${location.column}: ${message}`, {
    offset: location.offset,
    data: { file: location.file, line: location.line, column: location.column, key },
  });
}

/** rpm-ostree's add-files destination rule (before `etc` → `usr/etc`). */
export function addFilesPathIsValid(path: string): boolean {
  const p = path.replace(/^\/+/, '');
  if (p.split('/').some((c) => c === '..' || c === '.')) return false;
  return (
    (p.startsWith('usr/') && !p.startsWith('usr/local/')) ||
    ['etc/', 'bin/', 'sbin/', 'lib/', 'lib64/'].some((prefix) => p.startsWith(prefix))
  );
}

/**
 * Turns the merged fragment into a `Treefile`: variables (with `basearch` and `releasever`),
 * substitution in `ref`, `metadata`/`add-commit-metadata` string values,
 * `automatic-version-prefix`, `mutate-os-release`, `platform-module`; defaults; checks.
 */
export function finalizeTreefile(fragment: TreefileFragment, basearch: string, variables: Readonly<Record<string, VarValue>>): Treefile {
  const v = fragment.values;
  const own = (v['variables'] as Record<string, VarValue> | undefined) ?? {};
  const vars: Record<string, VarValue> = { ...own, ...variables, basearch };
  if (v['releasever'] !== undefined) vars['releasever'] = v['releasever'] as string | number;
  const strVars = Object.fromEntries(Object.entries(vars).map(([k, x]) => [k, String(x)]));
  const subst = (key: string, value: string): string => {
    try {
      return substituteVars(value, strVars);
    } catch (err) {
      throw located(fragment.locations[key], isTsostreeError(err) ? err.message : String(err), key);
    }
  };
  const substMap = (key: string): Record<string, JsonValue> => {
    const map = (v[key] as Record<string, JsonValue> | undefined) ?? {};
    return Object.fromEntries(Object.entries(map).map(([k, x]) => [k, typeof x === 'string' ? subst(key, x) : x]));
  };
  const optString = (key: string): string | undefined => {
    const s = v[key] as string | undefined;
    return s === undefined ? undefined : subst(key, s);
  };
  const list = <T>(key: string): T[] => (v[key] as T[] | undefined) ?? [];
  const bool = (key: string, dflt: boolean): boolean => (v[key] as boolean | undefined) ?? dflt;

  const addFiles = list<[string, string]>('add-files');
  for (const [, dest] of addFiles) {
    if (!addFilesPathIsValid(dest)) throw located(fragment.locations['add-files'], `Unsupported path in add-files: ${dest}`, 'add-files');
  }
  for (const entry of list<string[]>('remove-from-packages')) {
    for (const re of entry.slice(1)) {
      try {
        new RegExp(re);
      } catch {
        throw located(fragment.locations['remove-from-packages'], `invalid regex in remove-from-packages: ${re}`, 'remove-from-packages');
      }
    }
  }
  const tf: Treefile = {
    basearch,
    edition: (v['edition'] as '2014' | '2024' | undefined) ?? '2014',
    variables: vars,
    repovars: (v['repovars'] as Record<string, string> | undefined) ?? {},
    repos: list('repos'),
    'lockfile-repos': list('lockfile-repos'),
    packages: list('packages'),
    'repo-packages': list('repo-packages'),
    'exclude-packages': list('exclude-packages'),
    'ostree-layers': list('ostree-layers'),
    'ostree-override-layers': list('ostree-override-layers'),
    recommends: bool('recommends', true),
    documentation: bool('documentation', true),
    'initramfs-args': list('initramfs-args'),
    'boot-location': (v['boot-location'] as Treefile['boot-location'] | undefined) ?? 'new',
    'tmp-is-dir': bool('tmp-is-dir', false),
    'opt-usrlocal': (v['opt-usrlocal'] as Treefile['opt-usrlocal'] | undefined) ?? 'var',
    units: list('units'),
    'machineid-compat': bool('machineid-compat', true),
    selinux: bool('selinux', true),
    'ignore-devices': bool('ignore-devices', false),
    ima: bool('ima', false),
    container: bool('container', false),
    'container-cmd': list('container-cmd'),
    'readonly-executables': bool('readonly-executables', false),
    'etc-group-members': list('etc-group-members'),
    'preserve-passwd': bool('preserve-passwd', true),
    'check-passwd': (v['check-passwd'] as CheckPasswd | undefined) ?? { type: 'previous' },
    'check-groups': (v['check-groups'] as CheckPasswd | undefined) ?? { type: 'previous' },
    'ignore-removed-users': list('ignore-removed-users'),
    'ignore-removed-groups': list('ignore-removed-groups'),
    postprocess: list('postprocess'),
    'add-files': addFiles,
    'remove-files': list('remove-files'),
    'remove-from-packages': list('remove-from-packages'),
    'add-commit-metadata': substMap('add-commit-metadata'),
    metadata: substMap('metadata'),
    'repo-metadata': (v['repo-metadata'] as Treefile['repo-metadata'] | undefined) ?? 'inline',
    rpmdb: (v['rpmdb'] as Treefile['rpmdb'] | undefined) ?? 'target',
    'rpmdb-normalize': bool('rpmdb-normalize', false),
    cliwrap: bool('cliwrap', false),
    'cliwrap-binaries': list('cliwrap-binaries'),
  };
  const optional: Partial<Treefile> = {
    ref: optString('ref'),
    releasever: v['releasever'] as string | number | undefined,
    'install-langs': v['install-langs'] as string[] | undefined,
    'default-target': v['default-target'] as string | undefined,
    'selinux-label-version': v['selinux-label-version'] as number | undefined,
    'gpg-key': v['gpg-key'] as string | undefined,
    'automatic-version-prefix': optString('automatic-version-prefix'),
    'automatic-version-suffix': v['automatic-version-suffix'] as string | undefined,
    'mutate-os-release': optString('mutate-os-release'),
    'postprocess-script': v['postprocess-script'] as string | undefined,
    'platform-module': optString('platform-module'),
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) (tf as unknown as Record<string, unknown>)[key] = value;
  const suffix = tf['automatic-version-suffix'];
  if (suffix !== undefined && (suffix.length !== 1 || suffix.charCodeAt(0) > 0x7f)) {
    throw located(fragment.locations['automatic-version-suffix'], 'automatic-version-suffix must be a single ASCII character', 'automatic-version-suffix');
  }
  return tf;
}
