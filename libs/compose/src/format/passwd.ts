// passwd/group files the way rpm-ostree handles them at compose time (pure text ↔ values):
// the nss-altfiles split (root entries stay in /etc, everything else moves to /usr/lib), the
// `etc-group-members` exception, `altfiles` in nsswitch.conf, and the check-passwd/check-groups rules.
import { InvalidArgumentError, ParseError } from '@tsostree/errors';

export interface PasswdEntry {
  name: string;
  passwd: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  passwd: string;
  gid: number;
  members: string[];
}

function parseId(text: string, what: string, offset: number): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) > 0xffffffff) {
    throw new ParseError(`invalid ${what} '${text}'`, { offset });
  }
  return Number(text);
}

function lines(text: string): { line: string; offset: number }[] {
  const out: { line: string; offset: number }[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    if (line.trim() !== '' && !line.startsWith('#')) out.push({ line, offset });
    offset += line.length + 1;
  }
  return out;
}

/** Parses `/etc/passwd` content (7 colon-separated fields; blank and `#` lines skipped). */
export function parsePasswd(text: string): PasswdEntry[] {
  return lines(text).map(({ line, offset }) => {
    const f = line.split(':');
    if (f.length !== 7 || f[0] === '') throw new ParseError(`malformed passwd line '${line}'`, { offset });
    return {
      name: f[0]!,
      passwd: f[1]!,
      uid: parseId(f[2]!, 'uid', offset),
      gid: parseId(f[3]!, 'gid', offset),
      gecos: f[4]!,
      home: f[5]!,
      shell: f[6]!,
    };
  });
}

/** Parses `/etc/group` content (4 colon-separated fields). */
export function parseGroup(text: string): GroupEntry[] {
  return lines(text).map(({ line, offset }) => {
    const f = line.split(':');
    if (f.length !== 4 || f[0] === '') throw new ParseError(`malformed group line '${line}'`, { offset });
    return { name: f[0]!, passwd: f[1]!, gid: parseId(f[2]!, 'gid', offset), members: f[3] === '' ? [] : f[3]!.split(',') };
  });
}

export function formatPasswd(entries: readonly PasswdEntry[]): string {
  return entries.map((e) => `${e.name}:${e.passwd}:${e.uid}:${e.gid}:${e.gecos}:${e.home}:${e.shell}\n`).join('');
}

export function formatGroup(entries: readonly GroupEntry[]): string {
  return entries.map((e) => `${e.name}:${e.passwd}:${e.gid}:${e.members.join(',')}\n`).join('');
}

/**
 * rpm-ostree's passwd split: entries with uid 0 stay in `/etc/passwd`, all others are appended to
 * `/usr/lib/passwd` (read through nss-altfiles).
 */
export function splitPasswd(entries: readonly PasswdEntry[]): { etc: PasswdEntry[]; usrlib: PasswdEntry[] } {
  return { etc: entries.filter((e) => e.uid === 0), usrlib: entries.filter((e) => e.uid !== 0) };
}

/**
 * rpm-ostree's group split: gid 0 stays in `/etc/group`; every other group moves to `/usr/lib/group`, and the
 * groups named in `etc-group-members` are written to both (so members can be added locally).
 */
export function splitGroup(
  entries: readonly GroupEntry[],
  etcGroupMembers: readonly string[] = [],
): { etc: GroupEntry[]; usrlib: GroupEntry[] } {
  const etc = entries.filter((e) => e.gid === 0);
  const usrlib = entries.filter((e) => e.gid !== 0);
  for (const e of usrlib) if (etcGroupMembers.includes(e.name)) etc.push(e);
  return { etc, usrlib };
}

/** Inserts `altfiles` after `files` on the `passwd:` and `group:` lines (unchanged when already there). */
export function nsswitchAddAltfiles(text: string): string {
  const out: string[] = [];
  const src = text.endsWith('\n') ? text.slice(0, -1) : text;
  for (const line of src.split('\n')) {
    const m = /^(passwd:|group:)(.*)$/.exec(line);
    if (!m) {
      out.push(line);
      continue;
    }
    const words = m[2]!.split(/\s+/).filter(Boolean);
    if (words.includes('altfiles')) return text;
    const i = words.indexOf('files');
    if (i >= 0) words.splice(i + 1, 0, 'altfiles');
    else words.push('altfiles');
    out.push(`${m[1]} ${words.join(' ')}`);
  }
  return `${out.join('\n')}\n`;
}

/** What `check-passwd` / `check-groups` compare against: name → ids. */
export interface PasswdIds {
  users: Map<string, { uid: number; gid: number }>;
  groups: Map<string, number>;
}

export function passwdIds(passwd: readonly PasswdEntry[], group: readonly GroupEntry[]): PasswdIds {
  return {
    users: new Map(passwd.map((e) => [e.name, { uid: e.uid, gid: e.gid }])),
    groups: new Map(group.map((e) => [e.name, e.gid])),
  };
}

export interface PasswdCheckResult {
  newUsers: string[];
  newGroups: string[];
  /** Users/groups gone from the new tree that were ignored or that no file in the tree still uses. */
  removedUsers: string[];
  removedGroups: string[];
}

/**
 * rpm-ostree's check-passwd / check-groups rules: an existing user's uid or gid, or an existing group's gid,
 * must not change; a user/group that disappeared is an error when a file in the tree is still owned by its
 * id, unless it is named in `ignore-removed-users`/`-groups` (`*` ignores all); new entries are fine.
 * `ownedIds` tells which uids/gids some file in the new tree uses.
 */
export function checkPasswdEntries(
  next: PasswdIds,
  previous: PasswdIds,
  options: {
    ignoreRemovedUsers?: readonly string[];
    ignoreRemovedGroups?: readonly string[];
    uidInUse: (uid: number) => boolean;
    gidInUse: (gid: number) => boolean;
    checkUsers?: boolean;
    checkGroups?: boolean;
  },
): PasswdCheckResult {
  const result: PasswdCheckResult = { newUsers: [], newGroups: [], removedUsers: [], removedGroups: [] };
  if (options.checkUsers !== false) {
    const ignored = options.ignoreRemovedUsers ?? [];
    for (const [name, old] of [...previous.users].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const cur = next.users.get(name);
      if (!cur) {
        if (!ignored.includes('*') && !ignored.includes(name) && options.uidInUse(old.uid)) {
          throw new InvalidArgumentError(`User missing from new passwd file: ${name}`, { data: { user: name } });
        }
        result.removedUsers.push(name);
        continue;
      }
      if (cur.uid !== old.uid) {
        throw new InvalidArgumentError(`passwd UID changed: ${name} (${old.uid} to ${cur.uid})`, { data: { user: name } });
      }
      if (cur.gid !== old.gid) {
        throw new InvalidArgumentError(`passwd GID changed: ${name} (${old.gid} to ${cur.gid})`, { data: { user: name } });
      }
    }
    result.newUsers = [...next.users.keys()].filter((n) => !previous.users.has(n)).sort();
  }
  if (options.checkGroups !== false) {
    const ignored = options.ignoreRemovedGroups ?? [];
    for (const [name, oldGid] of [...previous.groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const cur = next.groups.get(name);
      if (cur === undefined) {
        if (!ignored.includes('*') && !ignored.includes(name) && options.gidInUse(oldGid)) {
          throw new InvalidArgumentError(`Group missing from new group file: ${name}`, { data: { group: name } });
        }
        result.removedGroups.push(name);
        continue;
      }
      if (cur !== oldGid) {
        throw new InvalidArgumentError(`group GID changed: ${name} (${oldGid} to ${cur})`, { data: { group: name } });
      }
    }
    result.newGroups = [...next.groups.keys()].filter((n) => !previous.groups.has(n)).sort();
  }
  return result;
}
