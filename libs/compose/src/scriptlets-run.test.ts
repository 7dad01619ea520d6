import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbortedError, IoError, UnsupportedError } from '@tsostree/errors';
import { extractPackage, formatNevra, makeEntry, packageNevra, readPackageHeaders, TAG, TagType, type Header } from '@tsostree/rpmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildComposeFixtureRepo, type ComposeFixtureRepo } from '../test/compose-fixtures.js';
import { bwrapArgv } from './bwrap-run.js';
import { runScriptlets, type ScriptletPackage } from './scriptlets-run.js';

let repo: ComposeFixtureRepo;
let root: string;
const pkgs = new Map<string, ScriptletPackage>();

const BASE = ['filesystem', 'setup', 'glibc', 'glibc-common', 'dash', 'chrony', 'systemd', 'dbus-common', 'ca-certificates'];
const EXTRA = ['broken-post', 'lua-scripted'];

function rpmOf(name: string): string {
  const p = repo.rpms.find((r) => new RegExp(`/${name}-[0-9][^/]*\\.rpm$`).test(r));
  if (!p) throw new Error(`no fixture ${name}`);
  return p;
}

beforeAll(async () => {
  repo = await buildComposeFixtureRepo();
  root = mkdtempSync(join(tmpdir(), 'scriptlets-'));
  for (const name of [...BASE, ...EXTRA]) {
    const path = rpmOf(name);
    const { header } = await readPackageHeaders(path);
    pkgs.set(name, { nevra: formatNevra(packageNevra(header)), header });
    if (BASE.includes(name)) await extractPackage(path, root);
  }
}, 240_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

function craft(name: string, phaseTag: number, body: string): ScriptletPackage {
  const header: Header = { entries: new Map() };
  header.entries.set(TAG.NAME, makeEntry(TAG.NAME, { type: TagType.STRING, value: name }));
  header.entries.set(phaseTag, makeEntry(phaseTag, { type: TagType.STRING, value: body }));
  return { nevra: `${name}-1-1.noarch`, header };
}

describe('runScriptlets', () => {
  it('runs %pre in order in the new root: users appear in its /etc/passwd, not the host', async () => {
    const before = readFileSync('/etc/passwd', 'utf8');
    const r = await runScriptlets(root, 'pre', BASE.map((n) => pkgs.get(n)!));
    expect(r.ran).toBe(2); // chrony, dbus-common
    const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8');
    expect(passwd).toMatch(/^chrony:x:994:994:chrony system user:\/var\/lib\/chrony:\/usr\/sbin\/nologin$/m);
    expect(passwd).toMatch(/^dbus:x:81:81:/m);
    expect(readFileSync(join(root, 'etc/group'), 'utf8')).toMatch(/^chrony:x:994:$/m);
    expect(readFileSync('/etc/passwd', 'utf8')).toBe(before);
  });

  it('runs %post with $1 = 1 and %posttrans', async () => {
    const events: string[] = [];
    await runScriptlets(root, 'post', BASE.map((n) => pkgs.get(n)!), { onProgress: (e) => e.type === 'scriptlet' && events.push(e.nevra) });
    expect(events).toEqual(['systemd-253.4-1.fx.x86_64']);
    expect(readFileSync(join(root, 'etc/machine-id'), 'utf8')).toBe('4f7a1c2e9d0b4b8f8e2d6c1a3b5f7e90\n');
    expect(readFileSync(join(root, 'usr/lib/systemd/.fx-post-ran'), 'utf8')).toBe('systemd %post ran with $1=1\n');
    await runScriptlets(root, 'posttrans', BASE.map((n) => pkgs.get(n)!));
    expect(readFileSync(join(root, 'etc/pki/tls/certs/ca-bundle.crt'), 'utf8')).toContain('FIXTURE-ROOT-CA-1');
  });

  it('fails naming the package and the phase when a scriptlet exits non-zero', async () => {
    const err = await runScriptlets(root, 'post', [pkgs.get('broken-post')!]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).message).toBe('Running %post for broken-post-1.0-1.fx.noarch: exit status 3: broken-post: about to fail');
    expect((err as IoError).data).toMatchObject({ package: 'broken-post-1.0-1.fx.noarch', phase: 'post', exitCode: 3 });
  });

  it('refuses Lua scriptlets with UnsupportedError before running anything', async () => {
    const marker = craft('marker', TAG.POSTIN, 'echo ran > /etc/marker-should-not-exist');
    const err = await runScriptlets(root, 'post', [marker, pkgs.get('lua-scripted')!]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedError);
    expect((err as UnsupportedError).message).toBe("Package 'lua-scripted' has (currently) unsupported <lua> script in '%post'");
    expect(existsSync(join(root, 'etc/marker-should-not-exist'))).toBe(false);
  });

  it('has no network, a read-only /var and cannot write outside the tree', async () => {
    const probe = craft(
      'probe',
      TAG.POSTIN,
      [
        'ifs=""; while read -r l; do case "$l" in *:*) ifs="$ifs ${l%%:*}";; esac; done < /proc/net/dev',
        'echo "ifs:$ifs" > /etc/probe-net',
        'if ( : > /var/lib/probe ) 2>/dev/null; then echo writable > /etc/probe-var; else echo readonly > /etc/probe-var; fi',
        '( echo escape > /escape-attempt ) 2>/dev/null; ( echo escape > /tmp/escape-attempt ) 2>/dev/null; exit 0',
      ].join('\n'),
    );
    await runScriptlets(root, 'post', [probe]);
    expect(readFileSync(join(root, 'etc/probe-net'), 'utf8').trim()).toBe('ifs: lo');
    expect(readFileSync(join(root, 'etc/probe-var'), 'utf8').trim()).toBe('readonly');
    expect(existsSync(join(root, 'escape-attempt'))).toBe(false);
    expect(existsSync('/escape-attempt')).toBe(false);
    expect(readdirSync(root).sort()).toEqual(readdirSync(root).sort().filter((n) => n !== 'escape-attempt'));
  });

  it('stops a hanging scriptlet when the signal aborts (AbortedError, the sandbox is killed)', async () => {
    const hang = craft('hang', TAG.POSTIN, 'while :; do :; done');
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 300);
    const started = Date.now();
    await expect(runScriptlets(root, 'post', [hang], { signal: ctl.signal })).rejects.toThrow(AbortedError);
    expect(Date.now() - started).toBeLessThan(10_000);
    // nothing of it is left running
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps).not.toContain('/run/tsostree-scriptlet');
  });

  it('keeps only the end of a huge output', async () => {
    const noisy = craft('noisy', TAG.POSTIN, 'i=0; while [ $i -lt 20000 ]; do echo "line $i of noise noise noise noise" >&2; i=$((i+1)); done; exit 9');
    const err = (await runScriptlets(root, 'post', [noisy]).catch((e: unknown) => e)) as IoError;
    expect(err).toBeInstanceOf(IoError);
    expect((err.data.stderr as string).length).toBeLessThanOrEqual(64 * 1024);
    expect(err.message).toMatch(/exit status 9: [^]*line 19999 of noise/);
  });

  it('drops capabilities to rpm-ostree\'s set and isolates namespaces', () => {
    const argv = bwrapArgv({ root, argv: ['/bin/true'] });
    expect(argv).toContain('--unshare-net');
    expect(argv).toContain('--unshare-pid');
    if (process.getuid?.() === 0) {
      expect(argv.slice(argv.indexOf('--cap-drop'), argv.indexOf('--cap-drop') + 2)).toEqual(['--cap-drop', 'ALL']);
      expect(argv.filter((a, i) => argv[i - 1] === '--cap-add')).not.toContain('cap_net_raw');
    }
    expect(argv.join(' ')).toContain(`--ro-bind ${join(root, 'var')} /var --tmpfs /var/tmp`);
  });
});
