import { InvalidArgumentError, ParseError } from '@tsostree/errors';
import { describe, expect, it } from 'vitest';
import {
  checkPasswdEntries,
  formatGroup,
  formatPasswd,
  nsswitchAddAltfiles,
  parseGroup,
  parsePasswd,
  passwdIds,
  splitGroup,
  splitPasswd,
} from './passwd.js';

const PASSWD = 'root:x:0:0:Super User:/root:/bin/bash\n# comment\n\nbin:x:1:1:bin:/bin:/sbin/nologin\ntoor:x:0:0::/:/bin/sh\nchrony:x:994:994:chrony:/var/lib/chrony:/sbin/nologin\n';
const GROUP = 'root:x:0:\nwheel:x:10:alice,bob\nchrony:x:994:\nadm:x:4:\n';

describe('passwd/group files', () => {
  it('parse and format round-trip (comments and blank lines dropped)', () => {
    expect(formatPasswd(parsePasswd(PASSWD))).toBe(PASSWD.replace('# comment\n\n', ''));
    expect(formatGroup(parseGroup(GROUP))).toBe(GROUP);
    expect(parseGroup(GROUP)[1]!.members).toEqual(['alice', 'bob']);
  });

  it('refuses malformed lines with a ParseError at the line offset', () => {
    for (const bad of ['root:x:0:0\n', 'a:x:-1:0:::\n', 'a:x:99999999999:0:::\n', ':x:0:0:::\n', 'a:x:0:0::::extra\n']) {
      expect(() => parsePasswd(`ok:x:1:1:::\n${bad}`)).toThrow(ParseError);
    }
    try {
      parseGroup('root:x:0:\nbroken\n');
    } catch (e) {
      expect((e as ParseError).data).toMatchObject({ offset: 10 });
    }
    expect(() => parseGroup('g:x:abc:\n')).toThrow(ParseError);
  });

  it('splits like rpm-ostree: uid/gid 0 stay in /etc, the rest moves to /usr/lib; etc-group-members in both', () => {
    const p = splitPasswd(parsePasswd(PASSWD));
    expect(p.etc.map((e) => e.name)).toEqual(['root', 'toor']);
    expect(p.usrlib.map((e) => e.name)).toEqual(['bin', 'chrony']);
    const g = splitGroup(parseGroup(GROUP), ['wheel']);
    expect(g.etc.map((e) => e.name)).toEqual(['root', 'wheel']);
    expect(g.usrlib.map((e) => e.name)).toEqual(['wheel', 'chrony', 'adm']);
  });

  it('adds altfiles after files in nsswitch.conf, once', () => {
    const src = '# passwd: db files\npasswd:     sss files systemd\nshadow:     files\ngroup:      sss files systemd\nhosts:      files dns\n';
    const out = nsswitchAddAltfiles(src);
    expect(out).toBe('# passwd: db files\npasswd: sss files altfiles systemd\nshadow:     files\ngroup: sss files altfiles systemd\nhosts:      files dns\n');
    expect(nsswitchAddAltfiles(out)).toBe(out);
    expect(nsswitchAddAltfiles('passwd: sss\n')).toBe('passwd: sss altfiles\n');
  });
});

describe('check-passwd / check-groups', () => {
  const prev = passwdIds(parsePasswd('bin:x:1:1:::\nchrony:x:994:994:::\ngone:x:500:500:::\n'), parseGroup('bin:x:1:\nchrony:x:994:\noldgrp:x:600:\n'));
  const unused = { uidInUse: () => false, gidInUse: () => false };

  it('accepts new entries and unused removals, reporting them', () => {
    const next = passwdIds(parsePasswd('bin:x:1:1:::\nchrony:x:994:994:::\ndbus:x:81:81:::\n'), parseGroup('bin:x:1:\nchrony:x:994:\ndbus:x:81:\n'));
    expect(checkPasswdEntries(next, prev, unused)).toEqual({ newUsers: ['dbus'], newGroups: ['dbus'], removedUsers: ['gone'], removedGroups: ['oldgrp'] });
  });

  it('refuses a changed uid, gid or group id', () => {
    const uid = passwdIds(parsePasswd('bin:x:1:1:::\nchrony:x:995:994:::\n'), parseGroup('bin:x:1:\nchrony:x:994:\n'));
    expect(() => checkPasswdEntries(uid, prev, unused)).toThrow('passwd UID changed: chrony (994 to 995)');
    const gid = passwdIds(parsePasswd('bin:x:1:1:::\nchrony:x:994:1:::\n'), parseGroup('bin:x:1:\nchrony:x:994:\n'));
    expect(() => checkPasswdEntries(gid, prev, unused)).toThrow('passwd GID changed: chrony (994 to 1)');
    const grp = passwdIds(parsePasswd('bin:x:1:1:::\nchrony:x:994:994:::\n'), parseGroup('bin:x:1:\nchrony:x:7:\n'));
    expect(() => checkPasswdEntries(grp, prev, unused)).toThrow(InvalidArgumentError);
  });

  it('refuses a removed user whose uid still owns files, unless ignored', () => {
    const next = passwdIds(parsePasswd('bin:x:1:1:::\nchrony:x:994:994:::\n'), parseGroup('bin:x:1:\nchrony:x:994:\noldgrp:x:600:\n'));
    const inUse = { uidInUse: (u: number) => u === 500, gidInUse: () => false };
    expect(() => checkPasswdEntries(next, prev, inUse)).toThrow('User missing from new passwd file: gone');
    expect(checkPasswdEntries(next, prev, { ...inUse, ignoreRemovedUsers: ['gone'] }).removedUsers).toEqual(['gone']);
    expect(checkPasswdEntries(next, prev, { ...inUse, ignoreRemovedUsers: ['*'] }).removedUsers).toEqual(['gone']);
  });
});
