import { execFileSync } from 'node:child_process';
import { chmod, chown, link, mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/run-cli.js';

function sh(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
}
function ostreeRun(args: string[]): { status: number; stdout: string; stderr: string } {
  try {
    return { status: 0, stdout: sh('ostree', args), stderr: '' };
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    return { status: e.status ?? 1, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? '') };
  }
}

let dir: string;
let src: string;
const tars: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-commit-tar-'));
  src = join(dir, 'src');
  await mkdir(join(src, 'usr/bin'), { recursive: true });
  await mkdir(join(src, 'etc'), { recursive: true });
  await writeFile(join(src, 'usr/bin/a'), 'hi\n');
  await chmod(join(src, 'usr/bin/a'), 0o4755);
  await link(join(src, 'usr/bin/a'), join(src, 'usr/bin/hard'));
  await symlink('a', join(src, 'usr/bin/l'));
  await writeFile(join(src, 'usr/bin/big'), Buffer.alloc(3 * 1024 * 1024 + 5, 7));
  await chmod(join(src, 'etc'), 0o700);
  await writeFile(join(src, 'etc/x'), 'x\n');
  await chown(join(src, 'etc/x'), 12, 34);
  sh('setfattr', ['-n', 'user.foo', '-v', 'bar', join(src, 'etc/x')]);
  const t = (name: string): string => (tars[name] = join(dir, name));
  sh('tar', ['--xattrs', '-cf', t('full.tar'), '.'], src);
  sh('tar', ['--xattrs', '-czf', t('full.tar.gz'), '.'], src);
  sh('tar', ['-cf', t('noparents.tar'), 'usr/bin/a', 'etc/x'], src);
  sh('tar', ['-cf', t('np2.tar'), 'etc/x', 'usr/bin/a'], src);
  sh('tar', ['-cf', t('noroot.tar'), 'usr', 'etc'], src);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ostree commit --tree=tar= vs real ostree', () => {
  const cases: [string, string[]][] = [
    ['full tree with root entry, xattrs, hardlink, symlink, suid, large file', ['--tree=tar=TAR:full.tar']],
    ['gzip-compressed', ['--tree=tar=TAR:full.tar.gz']],
    ['missing parents, --tar-autocreate-parents', ['--tar-autocreate-parents', '--tree=tar=TAR:noparents.tar']],
    ['missing parents in the other order', ['--tar-autocreate-parents', '--tree=tar=TAR:np2.tar']],
    ['dir then tar', ['--tree=dir=SRC:usr', '--tree=tar=TAR:full.tar']],
    ['tar then dir', ['--tree=tar=TAR:full.tar', '--tree=dir=SRC:usr']],
    ['owner override', ['--owner-uid=7', '--owner-gid=8', '--tree=tar=TAR:full.tar']],
  ];
  const expand = (args: string[]): string[] =>
    args.map((a) => a.replace(/TAR:(\S+)/, (_, n: string) => tars[n]!).replace(/SRC:(\S+)/, (_, p: string) => join(src, p)));

  it.each(['bare-user', 'archive'])('same commit checksums and trees in %s mode', async (mode) => {
    const ours = join(dir, `ours-${mode}`);
    const theirs = join(dir, `theirs-${mode}`);
    expect((await runCli(['ostree', 'init', `--repo=${ours}`, `--mode=${mode}`])).status).toBe(0);
    sh('ostree', ['init', `--repo=${theirs}`, `--mode=${mode}`]);
    for (const [name, args] of cases) {
      const full = ['-b', 'main', '--timestamp=@1577836800', ...expand(args)];
      const o = await runCli(['ostree', 'commit', `--repo=${ours}`, ...full]);
      const t = ostreeRun(['commit', `--repo=${theirs}`, ...full]);
      expect(t.status, name).toBe(0);
      expect(o.stderr, name).toBe('');
      expect(o.stdout, name).toBe(t.stdout);
    }
    expect(sh('ostree', ['fsck', `--repo=${ours}`])).toContain('no errors found');
    expect(sh('ostree', ['ls', `--repo=${ours}`, '-R', '-X', 'main'])).toBe(sh('ostree', ['ls', `--repo=${theirs}`, '-R', '-X', 'main']));
  });

  it('fails like ostree without a root or with missing parents, and refuses hostile entries', async () => {
    const ours = join(dir, 'ours-err');
    const theirs = join(dir, 'theirs-err');
    expect((await runCli(['ostree', 'init', `--repo=${ours}`, '--mode=archive'])).status).toBe(0);
    sh('ostree', ['init', `--repo=${theirs}`, '--mode=archive']);
    for (const n of ['noroot.tar', 'noparents.tar']) {
      const o = await runCli(['ostree', 'commit', `--repo=${ours}`, '-b', 'main', `--tree=tar=${tars[n]!}`]);
      const t = ostreeRun(['commit', `--repo=${theirs}`, '-b', 'main', `--tree=tar=${tars[n]!}`]);
      expect(t.status, n).not.toBe(0);
      expect(o.status, n).not.toBe(0);
      expect(o.stderr, n).toBe(t.stderr);
    }
    // `..` and NUL-free but hostile names: refused, nothing written outside, no ref.
    // (written with python's tarfile: GNU tar itself refuses to store such names)
    for (const name of ['a/../../escape', '..', 'a/\\x00b']) {
      const evilTar = join(dir, 'evil.tar');
      sh('python3', [
        '-c',
        'import io,sys,tarfile\nt=tarfile.open(sys.argv[1],"w",format=tarfile.PAX_FORMAT)\nd=tarfile.TarInfo("./");d.type=tarfile.DIRTYPE;d.mode=0o755;t.addfile(d)\ni=tarfile.TarInfo(sys.argv[2]);i.size=1;t.addfile(i,io.BytesIO(b"x"))\nt.close()',
        evilTar,
        name,
      ]);
      const o = await runCli(['ostree', 'commit', `--repo=${ours}`, '-b', 'evil', `--tree=tar=${evilTar}`]);
      expect(o.status, name).not.toBe(0);
      expect(o.stderr, name).toMatch(/^error: (.*tar entry|No such file or directory)/);
      expect(sh('ostree', ['refs', `--repo=${ours}`])).toBe('');
    }
    // Truncated archive.
    const trunc = join(dir, 'trunc.tar');
    sh('sh', ['-c', `head -c 3000 '${tars['full.tar']!}' > '${trunc}'`]);
    const tr = await runCli(['ostree', 'commit', `--repo=${ours}`, '-b', 'trunc', `--tree=tar=${trunc}`]);
    expect(tr.status).not.toBe(0);
    expect(sh('ostree', ['refs', `--repo=${ours}`])).toBe('');
  });
});
