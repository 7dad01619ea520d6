// The real `ostree` for the differential tests (installed by tools/setup.sh; fail loudly if missing).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export function run(cmd: string, args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd} could not run (tools/setup.sh installs it): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export function ostree(args: string[]): string {
  return run('ostree', args);
}

/** A scratch directory, removed with `chattr -i` first (ostree makes deployments immutable). */
export function scratch(label: string): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), `sysroot-${label}-`));
  return {
    path,
    cleanup: () => {
      spawnSync('chattr', ['-R', '-i', path], { stdio: 'ignore' });
      rmSync(path, { recursive: true, force: true });
    },
  };
}

export interface TreeOptions {
  kver?: string;
  /** Extra kernel content (changes the boot checksum). */
  kernelSalt?: string;
  noInitramfs?: boolean;
  /** Put the kernel at the legacy `boot/vmlinuz-<kver>-<bootcsum>` instead of usr/lib/modules. */
  legacyBoot?: boolean;
  /** Files under usr/etc: relative path → content. */
  etc?: Record<string, string>;
  /** Other files: relative path → content. */
  files?: Record<string, string>;
  osName?: string;
  /**
   * Give the tree the top level a real OS commit has (`sysroot/`, `ostree -> sysroot/ostree`,
   * `boot/`, `proc/`, `run/`, `dev/`, `sys/`, `tmp/`, `var/`, `bin -> usr/bin`, `lib -> usr/lib`…), so a
   * deployment of it can be the root of a mount namespace (src/testing/booted-ostree.ts).
   */
  rootfs?: boolean;
}

/** Writes a small bootable OS tree to `dir`. */
export function writeTree(dir: string, opts: TreeOptions = {}): void {
  const kver = opts.kver ?? '6.1.0-test';
  const put = (rel: string, content: string): void => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  };
  put(`usr/lib/modules/${kver}/vmlinuz`, `kernel ${kver} ${opts.kernelSalt ?? ''}\n`);
  if (!opts.noInitramfs) put(`usr/lib/modules/${kver}/initramfs.img`, `initramfs ${kver}\n`);
  put('usr/lib/os-release', `ID=testos\nNAME="${opts.osName ?? 'Test OS'}"\nPRETTY_NAME="${opts.osName ?? 'Test OS'}"\n`);
  put('usr/bin/hello', '#!/bin/sh\necho hello\n');
  mkdirSync(join(dir, 'usr/etc'), { recursive: true });
  for (const [rel, content] of Object.entries(opts.etc ?? { 'hostname.conf': 'testhost\n' })) put(`usr/etc/${rel}`, content);
  for (const [rel, content] of Object.entries(opts.files ?? {})) put(rel, content);
  if (opts.rootfs) {
    for (const d of ['sysroot', 'boot', 'proc', 'run', 'dev', 'sys', 'tmp', 'var']) mkdirSync(join(dir, d), { recursive: true });
    for (const [name, target] of [['ostree', 'sysroot/ostree'], ['bin', 'usr/bin'], ['sbin', 'usr/sbin'], ['lib', 'usr/lib'], ['lib64', 'usr/lib64']] as const) symlinkSync(target, join(dir, name));
  }
}

/** `ostree commit` of a tree into a repo; returns the checksum. */
export function commitTree(repo: string, branch: string, tree: string, version?: string): string {
  const args = ['commit', `--repo=${repo}`, '-b', branch, `--tree=dir=${tree}`, '-s', `commit ${version ?? ''}`, '--timestamp=2024-01-01T00:00:00Z'];
  if (version !== undefined) args.push(`--add-metadata-string=version=${version}`);
  return ostree(args).trim();
}
