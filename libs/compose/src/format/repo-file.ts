/**
 * dnf's `.repo` files (INI: `[id]` sections, `key=value`, continuation lines, `#`/`;` comments), the subset a
 * compose uses: `name`, `baseurl` (file://, http://, https://), `enabled`, `gpgcheck`, `gpgkey`, `priority`,
 * `cost`, `exclude`/`excludepkgs`, `includepkgs`, `skip_if_unavailable`; `$basearch`, `$releasever`,
 * `${var}` and treefile `repovars` substitution. `metalink`/`mirrorlist` without a `baseurl` are refused
 * (no mirror resolution here).
 */
import { ParseError, UnsupportedError } from '@tsostree/errors';

export interface RepoConfig {
  id: string;
  name: string;
  /** Base URLs in preference order (substituted, trailing `/` added). */
  baseurls: string[];
  enabled: boolean;
  gpgcheck: boolean;
  /** Key URLs (substituted). */
  gpgkeys: string[];
  priority: number;
  cost: number;
  excludepkgs: string[];
  includepkgs: string[];
  skipIfUnavailable: boolean;
  /** `file:line` of the section header. */
  source: string;
}

const MAX_REPO_FILE = 4 * 1024 * 1024;

function parseBool(value: string, where: string, key: string): boolean {
  switch (value.trim().toLowerCase()) {
    case '1':
    case 'yes':
    case 'true':
    case 'on':
      return true;
    case '0':
    case 'no':
    case 'false':
    case 'off':
      return false;
    default:
      throw new ParseError(`${where}: invalid boolean for ${key}: ${JSON.stringify(value)}`, { data: { key } });
  }
}

function parseInt10(value: string, where: string, key: string): number {
  const v = value.trim();
  if (!/^-?[0-9]{1,9}$/.test(v)) throw new ParseError(`${where}: invalid number for ${key}: ${JSON.stringify(value)}`, { data: { key } });
  return Number(v);
}

function splitList(value: string): string[] {
  return value.split(/[\s,]+/).filter((s) => s !== '');
}

/** Substitutes `$name` and `${name}` (dnf's rules: unknown variables are left as written). */
export function substituteRepoVars(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (match, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare!;
    return Object.hasOwn(vars, name) ? vars[name]! : match;
  });
}

/**
 * Parses a `.repo` file. `vars` are the substitution variables (`basearch`, `releasever`, repovars).
 * Errors are `ParseError`s naming `file:line`.
 */
export function parseRepoFile(text: string, file: string, vars: Readonly<Record<string, string>> = {}): RepoConfig[] {
  if (text.length > MAX_REPO_FILE) throw new ParseError(`${file}: repo file too large`, { data: { file } });
  const sections: { id: string; line: number; values: Map<string, string> }[] = [];
  let current: (typeof sections)[number] | undefined;
  let lastKey: string | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const where = `${file}:${i + 1}`;
    if (/^\s*([#;].*)?$/.test(raw)) {
      if (raw.trim() === '') lastKey = undefined;
      return;
    }
    if (/^\s/.test(raw) && current && lastKey !== undefined) {
      current.values.set(lastKey, `${current.values.get(lastKey)!}\n${raw.trim()}`);
      return;
    }
    const section = /^\s*\[([^\]]*)\]\s*$/.exec(raw);
    if (section) {
      const id = section[1]!.trim();
      if (!/^[A-Za-z0-9_.:-]+$/.test(id)) throw new ParseError(`${where}: invalid repo id ${JSON.stringify(id)}`, { data: { file, line: i + 1 } });
      if (sections.some((s) => s.id === id)) throw new ParseError(`${where}: repo ${id} defined twice`, { data: { file, line: i + 1 } });
      current = { id, line: i + 1, values: new Map() };
      sections.push(current);
      lastKey = undefined;
      return;
    }
    const kv = /^\s*([A-Za-z0-9_.-]+)\s*=\s?(.*)$/.exec(raw);
    if (!kv || !current) throw new ParseError(`${where}: expected [repo-id] or key=value, got ${JSON.stringify(raw.slice(0, 80))}`, { data: { file, line: i + 1 } });
    lastKey = kv[1]!.toLowerCase();
    current.values.set(lastKey, kv[2]!.trim());
  });
  return sections.map(({ id, line, values }) => {
    const where = `${file}:${line}`;
    const get = (k: string) => values.get(k);
    const sub = (s: string) => substituteRepoVars(s, vars);
    const baseurls = splitList(sub(get('baseurl') ?? '')).map((u) => (u.endsWith('/') ? u : `${u}/`));
    for (const u of baseurls) {
      if (!/^(file|https?):\/\//i.test(u)) {
        throw new UnsupportedError(`${where}: repo ${id}: unsupported baseurl ${JSON.stringify(u)} (file://, http:// and https:// are supported)`, { data: { repo: id, url: u } });
      }
    }
    if (baseurls.length === 0 && (get('metalink') || get('mirrorlist'))) {
      throw new UnsupportedError(`${where}: repo ${id}: metalink/mirrorlist without baseurl is not supported`, { data: { repo: id } });
    }
    const gpgkeys = splitList(sub(get('gpgkey') ?? ''));
    for (const k of gpgkeys) {
      if (!/^(file|https?):\/\//i.test(k)) throw new UnsupportedError(`${where}: repo ${id}: unsupported gpgkey URL ${JSON.stringify(k)}`, { data: { repo: id, url: k } });
    }
    return {
      id,
      name: sub(get('name') ?? id),
      baseurls,
      enabled: get('enabled') === undefined ? true : parseBool(get('enabled')!, where, 'enabled'),
      gpgcheck: get('gpgcheck') === undefined ? false : parseBool(get('gpgcheck')!, where, 'gpgcheck'),
      gpgkeys,
      priority: get('priority') === undefined ? 99 : parseInt10(get('priority')!, where, 'priority'),
      cost: get('cost') === undefined ? 1000 : parseInt10(get('cost')!, where, 'cost'),
      excludepkgs: [...splitList(get('exclude') ?? ''), ...splitList(get('excludepkgs') ?? '')],
      includepkgs: splitList(get('includepkgs') ?? ''),
      skipIfUnavailable: get('skip_if_unavailable') === undefined ? false : parseBool(get('skip_if_unavailable')!, where, 'skip_if_unavailable'),
      source: where,
    };
  });
}
