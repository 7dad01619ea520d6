// Extraction against the real thing: our extraction of each fixture equals `rpm2cpio | cpio -idm`
// (content, modes, owners, links, hardlinks, mtimes); capabilities equal what getcap reads back;
// and the hostile corpus never writes outside the root.
import { execFileSync, execSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTsostreeError } from '@tsostree/errors';
import { afterAll, describe, expect, it } from 'vitest';
import { craftRpm } from '../test/craft-rpm.js';
import { allRpmFixtures } from '../test/rpm-fixtures.js';
import { rpmQuery } from '../test/rpm-query.js';
import { listTree, snapshotTree } from '../test/tree-snapshot.js';
import { packageFiles } from './format/package-info.js';
import { readPackageHeaders } from './package-read.js';
import { extractPackage, RootOwners } from './payload-extract.js';
import { readPayloadFiles } from './payload-read.js';

const fixtures = allRpmFixtures();
const work = mkdtempSync(join(tmpdir(), 'rpmdb-extract-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;

function freshRoot(): string {
  const root = join(work, `root-${n++}`);
  mkdirSync(join(root, 'etc'), { recursive: true });
  copyFileSync('/etc/passwd', join(root, 'etc/passwd'));
  copyFileSync('/etc/group', join(root, 'etc/group'));
  return root;
}

async function expectCode(p: Promise<unknown>, code: string, reason?: string): Promise<void> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(isTsostreeError(caught, code), `expected ${code}, got ${String(caught)}`).toBe(true);
  if (reason) expect((caught as { data: { reason?: string } }).data.reason).toBe(reason);
}

describe.each([...fixtures])('%s', (_name, path) => {
  it('extracts exactly what rpm2cpio | cpio -idm extracts', async () => {
    const ours = freshRoot();
    const theirs = freshRoot();
    const files = packageFiles((await readPackageHeaders(path)).header);
    const result = await extractPackage(path, ours);
    execSync(`rpm2cpio '${path}' | cpio -idm --quiet`, { cwd: theirs, stdio: ['ignore', 'ignore', 'pipe'] });
    // rpmbuild writes uid/gid 0 into the archive; installed owners come from the header's names,
    // which the real rpm reports: apply them to cpio's tree with the real chown.
    const owners = files.length ? rpmQuery(path, '[%{FILEUSERNAME}:%{FILEGROUPNAME}\t%{FILEFLAGS:fflags}\t%{FILEMODES:octal}\t%{FILENAMES}\n]') : '';
    for (const line of owners.split('\n').filter(Boolean)) {
      const [owner, fflags, mode, file] = line.split('\t') as [string, string, string, string];
      if (fflags.includes('g')) continue;
      execFileSync('chown', ['-h', owner, join(theirs, file)]);
      // chown clears setuid/setgid: restore the mode rpm reports (symlinks have none of their own).
      if (!mode.startsWith('12')) execFileSync('chmod', [(parseInt(mode, 8) & 0o7777).toString(8), join(theirs, file)]);
    }
    const a = snapshotTree(ours, { mtimes: true });
    const b = snapshotTree(theirs, { mtimes: true });
    expect(a).toEqual(b);
    expect(result.files).toBe(files.filter((f) => !f.ghost).length);
  });

  it('streams every payload member with verified digests', async () => {
    const files = packageFiles((await readPackageHeaders(path)).header);
    const seen: string[] = [];
    for await (const item of readPayloadFiles(path)) {
      for await (const _ of item.data) {
        // consume (verifies the file digest)
      }
      seen.push(item.file.path);
    }
    expect(seen.sort()).toEqual(files.filter((f) => !f.ghost).map((f) => f.path).sort());
  });
});

describe('the full fixture', () => {
  const path = fixtures.get('full-x86_64')!;
  it('writes file capabilities, setuid bits, owners and hardlinks', async () => {
    const root = freshRoot();
    await extractPackage(path, root);
    expect(execFileSync('getcap', [join(root, 'usr/bin/tsos-ping')], { encoding: 'utf8' })).toContain('cap_net_raw=ep');
    expect(statSync(join(root, 'usr/bin/tsos-suid')).mode & 0o7777).toBe(0o4755);
    const nobody = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    expect(statSync(join(root, 'usr/lib/tsos/owned')).uid).toBe(nobody);
    const ino = statSync(join(root, 'usr/lib/tsos/hard1')).ino;
    expect(statSync(join(root, 'usr/lib/tsos/hard3')).ino).toBe(ino);
    expect(existsSync(join(root, 'var/lib/tsos/state.db'))).toBe(false); // %ghost
  });

  it('re-extracting over an existing tree replaces files in place', async () => {
    const root = freshRoot();
    await extractPackage(path, root);
    writeFileSync(join(root, 'usr/bin/tsos-hello'), 'changed');
    await extractPackage(path, root);
    expect(readFileSync(join(root, 'usr/bin/tsos-hello'), 'utf8')).toContain('echo hello');
  });

  it('skips the files skipFile names (excludedocs) but never hardlink set members', async () => {
    const root = freshRoot();
    const { header } = await readPackageHeaders(path);
    const files = packageFiles(header);
    const skipped: string[] = [];
    await extractPackage(path, root, { skipFile: (f) => (f.doc || f.path.includes('hard') || f.path.endsWith('tsos-hello')) && (skipped.push(f.path), true) });
    expect(skipped.length).toBeGreaterThan(0);
    for (const p of skipped) expect(existsSync(join(root, p))).toBe(false);
    expect(skipped.some((p) => p.includes('hard'))).toBe(false);
    expect(statSync(join(root, 'usr/lib/tsos/hard3')).ino).toBe(statSync(join(root, 'usr/lib/tsos/hard1')).ino);
    expect(skipped).toContain('/usr/bin/tsos-hello');
    expect(files.some((f) => f.doc && skipped.includes(f.path))).toBe(true);
    expect(existsSync(join(root, 'usr/bin/tsos-suid'))).toBe(true);
  });

  it('reports progress and honours abort', async () => {
    const events: number[] = [];
    await extractPackage(path, freshRoot(), { onProgress: (e) => events.push(e.done) });
    expect(events.length).toBeGreaterThan(5);
    const ac = new AbortController();
    ac.abort();
    await expectCode(extractPackage(path, freshRoot(), { signal: ac.signal }), 'Aborted');
  });
});

describe('should-fail corpus: nothing outside the root', () => {
  const outside = join(work, 'outside');
  mkdirSync(outside, { recursive: true });
  const craft = (name: string, opts: Parameters<typeof craftRpm>[0]): string => {
    const p = join(work, `${name}.rpm`);
    writeFileSync(p, craftRpm(opts));
    return p;
  };
  const check = () => expect(listTree(outside)).toEqual([]);

  it('a well-formed crafted package extracts (the corpus builder is sound)', async () => {
    const root = freshRoot();
    await extractPackage(craft('ok', { files: [{ path: '/usr/share/x/ok.txt', content: 'fine' }] }), root);
    expect(readFileSync(join(root, 'usr/share/x/ok.txt'), 'utf8')).toBe('fine');
  });

  it('.. in a header path', async () => {
    const p = craft('dotdot', { files: [{ path: `/usr/../../../../${outside.slice(1)}/pwned`, content: 'x' }] });
    await expectCode(extractPackage(p, freshRoot()), 'Corrupt', 'unsafe-path');
    check();
  });

  it('an archive member outside the header (cpio path traversal, absolute name)', async () => {
    for (const name of [`./../../../../..${outside}/pwned`, `${outside}/pwned`]) {
      const p = craft('cpio-traversal', { files: [{ path: '/usr/ok', content: 'x' }], archive: [{ name, data: new TextEncoder().encode('x') }] });
      await expectCode(extractPackage(p, freshRoot()), 'Corrupt', 'not-in-header');
      check();
    }
  });

  it('symlink-then-file escapes', async () => {
    const files = [
      { path: '/usr/evil', linkTo: outside },
      { path: '/usr/evil/pwned', content: 'x' },
    ];
    await expectCode(extractPackage(craft('symlink-abs', { files }), freshRoot()), 'Corrupt', 'unsafe-path');
    check();
    const rel = [{ path: '/usr/evil', linkTo: '../../../../../../../../..' + outside }, { path: '/usr/evil/pwned', content: 'x' }];
    await expectCode(extractPackage(craft('symlink-rel', { files: rel }), freshRoot()), 'Corrupt', 'unsafe-path');
    check();
    // Resolving symlinked parents inside the root keeps the write inside it.
    const root = freshRoot();
    await extractPackage(craft('symlink-in-root', { files: rel }), root, { symlinkParents: 'in-root' });
    check();
    expect(readFileSync(join(root, outside, 'pwned'), 'utf8')).toBe('x');
  });

  it('a pre-existing symlink at a file path is replaced, not written through', async () => {
    const root = freshRoot();
    mkdirSync(join(root, 'usr'));
    symlinkSync(join(outside, 'target'), join(root, 'usr/file'));
    await extractPackage(craft('replace-link', { files: [{ path: '/usr/file', content: 'x' }] }), root);
    check();
    expect(readFileSync(join(root, 'usr/file'), 'utf8')).toBe('x');
  });

  it('file digest mismatch', async () => {
    const p = craft('bad-file-digest', { files: [{ path: '/usr/f', content: 'x', digest: 'ab'.repeat(32) }] });
    await expectCode(extractPackage(p, freshRoot()), 'ChecksumMismatch');
  });

  it('payload digest mismatch', async () => {
    const p = craft('bad-payload-digest', { files: [{ path: '/usr/f', content: 'x' }], badPayloadDigest: true });
    await expectCode(extractPackage(p, freshRoot()), 'ChecksumMismatch');
  });

  it('truncated or garbage payloads', async () => {
    const good = craftRpm({ files: [{ path: '/usr/f', content: 'x'.repeat(5000) }] });
    const cut = join(work, 'truncated.rpm');
    writeFileSync(cut, good.subarray(0, good.length - 20));
    await expectCode(extractPackage(cut, freshRoot()), 'Corrupt');
    const garbage = craft('garbage', { files: [{ path: '/usr/f', content: 'x' }], rawPayload: new TextEncoder().encode('not a cpio archive at all') });
    await expectCode(extractPackage(garbage, freshRoot()), 'Parse');
  });

  it('small payloads (read whole) and streamed ones give the same files and the same errors', async () => {
    const read = async (path: string, wholePayloadMaxBytes: number): Promise<string[]> => {
      const out: string[] = [];
      for await (const { file, data } of readPayloadFiles(path, { wholePayloadMaxBytes })) {
        const chunks: Uint8Array[] = [];
        for await (const c of data) chunks.push(c);
        out.push(`${file.path} ${Buffer.concat(chunks).toString('hex')}`);
      }
      return out;
    };
    const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (isTsostreeError(e) ? e.code : String(e)));
    for (const [, path] of fixtures) expect(await read(path, 0)).toEqual(await read(path, 1 << 30));
    const good = craftRpm({ files: [{ path: '/usr/f', content: 'x'.repeat(5000) }] });
    const cut = join(work, 'truncated-both.rpm');
    writeFileSync(cut, good.subarray(0, good.length - 20));
    const badFile = craft('bad-file-digest-both', { files: [{ path: '/usr/f', content: 'x', digest: 'ab'.repeat(32) }] });
    const badPayload = craft('bad-payload-digest-both', { files: [{ path: '/usr/f', content: 'x' }], badPayloadDigest: true });
    for (const [p, expected] of [[cut, 'Corrupt'], [badFile, 'ChecksumMismatch'], [badPayload, 'ChecksumMismatch']] as const) {
      expect(await code(read(p, 0))).toBe(expected);
      expect(await code(read(p, 1 << 30))).toBe(expected);
    }
  });

  it('member missing from the payload, duplicated member, symlink target mismatch', async () => {
    const missing = craft('missing', { files: [{ path: '/usr/a', content: 'a' }, { path: '/usr/b', content: 'b' }], archive: [{ name: './usr/a', data: new TextEncoder().encode('a') }] });
    await expectCode(extractPackage(missing, freshRoot()), 'Corrupt', 'missing');
    const dup = craft('dup', { files: [{ path: '/usr/a', content: 'a' }], archive: [{ name: './usr/a', data: new TextEncoder().encode('a') }, { name: './usr/a', data: new TextEncoder().encode('a') }] });
    await expectCode(extractPackage(dup, freshRoot()), 'Corrupt', 'duplicate');
    const link = craft('link-mismatch', { files: [{ path: '/usr/l', linkTo: 'x' }], archive: [{ name: './usr/l', mode: 0o120777, data: new TextEncoder().encode('/etc') }] });
    await expectCode(extractPackage(link, freshRoot()), 'Corrupt', 'link-mismatch');
  });
});

describe('owners through the root’s passwd and group (RootOwners)', () => {
  const craft = (name: string, opts: Parameters<typeof craftRpm>[0]): string => {
    const p = join(work, `${name}.rpm`);
    writeFileSync(p, craftRpm(opts));
    return p;
  };

  it('resolves names like rpm and sees every change of the files', () => {
    const root = join(work, 'owners-root');
    mkdirSync(root);
    const owners = new RootOwners(root);
    // No etc/ at all: root and unknown names are 0.
    expect(owners.owners()('root', 'root')).toEqual({ uid: 0, gid: 0 });
    expect(owners.owners()('chrony', 'chrony')).toEqual({ uid: 0, gid: 0 });
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\nchrony:x:994:994::/:/sbin/nologin\n');
    writeFileSync(join(root, 'etc/group'), 'root:x:0:\nchrony:x:993:\n');
    expect(owners.owners()('chrony', 'chrony')).toEqual({ uid: 994, gid: 993 });
    // Appended (scriptlet style), and replaced by a file of the same size under a new inode (package style).
    appendFileSync(join(root, 'etc/passwd'), 'dbus:x:81:81::/:/sbin/nologin\n');
    expect(owners.owners()('dbus', 'chrony')).toEqual({ uid: 81, gid: 993 });
    writeFileSync(join(root, 'etc/group.new'), 'root:x:0:\nchrony:x:995:\n');
    renameSync(join(root, 'etc/group.new'), join(root, 'etc/group'));
    expect(owners.owners()('chrony', 'chrony')).toEqual({ uid: 994, gid: 995 });
    rmSync(join(root, 'etc/group'));
    expect(owners.owners()('chrony', 'chrony')).toEqual({ uid: 994, gid: 0 });
  });

  it('a package that ships etc/passwd and a later package owned by its user: one RootOwners across both', async () => {
    const root = join(work, 'owners-install');
    mkdirSync(root);
    const owners = new RootOwners(root);
    const setup = craft('owners-setup', {
      files: [
        { path: '/etc/passwd', content: 'root:x:0:0::/root:/bin/sh\nsvc:x:4242:4243::/:/sbin/nologin\n' },
        { path: '/etc/group', content: 'root:x:0:\nsvc:x:4243:\n' },
        { path: '/usr/share/early', content: 'owned before the user exists', user: 'svc', group: 'svc' },
      ],
    });
    const later = craft('owners-later', { files: [{ path: '/usr/share/late', content: 'x', user: 'svc', group: 'svc' }] });
    await extractPackage(setup, root, { owners: owners.owners() });
    await extractPackage(later, root, { owners: owners.owners() });
    // rpm resolves names against the passwd present when the package is installed.
    expect(statSync(join(root, 'usr/share/early'))).toMatchObject({ uid: 0, gid: 0 });
    expect(statSync(join(root, 'usr/share/late'))).toMatchObject({ uid: 4242, gid: 4243 });
    // The default (no owners given) reads the root's files the same way.
    const again = craft('owners-default', { files: [{ path: '/usr/share/default', content: 'x', user: 'svc', group: 'root' }] });
    await extractPackage(again, root);
    expect(statSync(join(root, 'usr/share/default'))).toMatchObject({ uid: 4242, gid: 0 });
  });
});
