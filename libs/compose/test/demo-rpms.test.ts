// The README demo's committed sample repositories (tools/demo-rpms/): reproducible from their specs, small,
// readable by our rpm-md reader, and installable by the real dnf (v1, then v2 with the demo-hello upgrade).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Repo } from '@tsostree/objstore';
import { readPrimary } from '@tsostree/rpmdb';
import { describe, expect, it } from 'vitest';
import { composeTree } from '../src/compose-tree.js';

const DEMO = join(import.meta.dirname, '..', '..', '..', 'tools', 'demo-rpms');

function size(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? size(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
}

describe('demo RPM repositories', () => {
  it('are exactly what build.sh regenerates from the specs', () => {
    const out = execFileSync(join(DEMO, 'build.sh'), ['--check'], { encoding: 'utf8' });
    expect(out).toContain('demo repositories are up to date');
  }, 120_000);

  it('are small and list the upgrade', async () => {
    expect(size(join(DEMO, 'repo-v1')) + size(join(DEMO, 'repo-v2'))).toBeLessThan(200 * 1024);
    const names = async (v: string) => {
      const out: string[] = [];
      for await (const p of readPrimary(join(DEMO, `repo-${v}`))) out.push(`${p.name}-${p.version}`);
      return out.sort();
    };
    expect(await names('v1')).toEqual(['demo-config-1', 'demo-filesystem-1', 'demo-hello-1.0', 'demo-release-1', 'kernel-6.1.0']);
    expect(await names('v2')).toEqual(['demo-config-1', 'demo-filesystem-1', 'demo-hello-1.0', 'demo-hello-2.0', 'demo-release-1', 'kernel-6.1.0']);
  });

  it('compose without root into the same commit as with root (owners from the headers)', async () => {
    const work = mkdtempSync(join(tmpdir(), 'demo-compose-'));
    try {
      writeFileSync(join(work, 'demo.repo'), `[demo]\nbaseurl=${pathToFileURL(join(DEMO, 'repo-v1')).href}\n`);
      writeFileSync(join(work, 'tree.yaml'), 'ref: demo/x86_64/stable\nrepos: [demo]\npackages: [kernel, demo-release, demo-hello]\n');
      const commits: string[] = [];
      for (const unprivileged of [false, true]) {
        const repo = join(work, `repo-${unprivileged}`);
        await Repo.init(repo, { mode: 'archive' });
        const result = await composeTree(join(work, 'tree.yaml'), { repo, timestamp: 1_700_000_000, unprivileged });
        expect(result.kernelVersion).toBe('6.1.0-1.demo.x86_64');
        commits.push(result.commit);
      }
      expect(commits[1]).toBe(commits[0]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);

  it('install with the real dnf, and v2 upgrades exactly demo-hello', () => {
    const work = mkdtempSync(join(tmpdir(), 'demo-dnf-'));
    try {
      const conf = join(work, 'dnf.conf');
      writeFileSync(conf, '[main]\ngpgcheck=0\nreposdir=/nonexistent\n');
      const root = join(work, 'root');
      const dnf = (v: string, ...args: string[]) =>
        execFileSync('dnf', ['-y', '-q', `--installroot=${root}`, `--config=${conf}`, `--repofrompath=demo,file://${join(DEMO, `repo-${v}`)}`, '--releasever=1', ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      const qa = () => execFileSync('rpm', ['--root', root, '-qa', '--qf', '%{NEVRA}\n'], { encoding: 'utf8' }).trim().split('\n').sort();
      dnf('v1', 'install', 'kernel', 'demo-hello', 'demo-release');
      const before = qa();
      expect(before).toContain('demo-hello-1.0-1.demo.noarch');
      expect(before).toContain('kernel-6.1.0-1.demo.x86_64');
      dnf('v2', 'upgrade');
      const after = qa();
      expect(after.filter((x) => !before.includes(x))).toEqual(['demo-hello-2.0-1.demo.noarch']);
      expect(before.filter((x) => !after.includes(x))).toEqual(['demo-hello-1.0-1.demo.noarch']);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});
