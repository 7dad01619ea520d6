// Runs a program inside a root filesystem tree with bubblewrap, the way rpm-ostree runs scriptlets and
// postprocess scripts: no network, fresh pid/uts/ipc/cgroup namespaces, /usr and /etc of the tree bound
// read-write, the tree's /var read-only with a private /var/tmp, a private /dev, /proc, /run, /tmp, the
// /lib, /lib64, /bin, /sbin compatibility symlinks, PATH=/usr/sbin:/usr/bin, and (as root) only the
// capabilities rpm-ostree keeps (Docker's default set minus net_raw, mknod, audit_write, net_bind_service).
import { spawn } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { AbortedError, IoError, NotFoundError } from '@tsostree/errors';

const USR_LINKS = ['lib', 'lib32', 'lib64', 'bin', 'sbin'];
const ADDED_CAPABILITIES = [
  'cap_chown', 'cap_dac_override', 'cap_fowner', 'cap_fsetid', 'cap_kill', 'cap_setgid', 'cap_setuid',
  'cap_setpcap', 'cap_sys_chroot', 'cap_setfcap',
];
/** Output kept from a child (the tail, for error messages). */
const MAX_CAPTURE = 64 * 1024;

export interface BwrapRunOptions {
  /** The tree: its `usr` and `<etcDir>` are bound at /usr and /etc. */
  root: string;
  /** The tree's /etc: `etc` before post-processing, `usr/etc` after it. Default `etc`. */
  etcDir?: string;
  /** Program and arguments, resolved inside the tree. */
  argv: readonly string[];
  /** Extra environment (on top of PATH and LANG). */
  env?: Readonly<Record<string, string>>;
  /** `/var` read-only (scriptlets, postprocess) or absent. Default 'readonly'. */
  var?: 'readonly' | 'none';
  /** Host files/directories bound read-only into the sandbox (`[hostPath, sandboxPath]`), e.g. a script. */
  roBinds?: readonly (readonly [string, string])[];
  signal?: AbortSignal;
}

export interface BwrapRunResult {
  exitCode: number | null;
  /** The signal that killed the child, if any. */
  signalName: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function isDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The bwrap command line for a run (exported for tests). */
export function bwrapArgv(options: BwrapRunOptions): string[] {
  const { root } = options;
  const etcDir = options.etcDir ?? 'etc';
  if (!isDir(join(root, 'usr'))) throw new NotFoundError(`${root} has no usr directory to run in`, { data: { root } });
  const argv = [
    '--dev', '/dev', '--proc', '/proc', '--dir', '/run', '--dir', '/tmp', '--chdir', '/', '--die-with-parent',
    '--unshare-pid', '--unshare-uts', '--unshare-ipc', '--unshare-cgroup-try', '--unshare-net',
  ];
  if (process.getuid?.() === 0) {
    argv.push('--cap-drop', 'ALL');
    for (const cap of ADDED_CAPABILITIES) argv.push('--cap-add', cap);
  }
  argv.push('--bind', join(root, 'usr'), '/usr');
  if (isDir(join(root, etcDir))) argv.push('--bind', join(root, etcDir), '/etc');
  if ((options.var ?? 'readonly') === 'readonly' && isDir(join(root, 'var'))) {
    argv.push('--ro-bind', join(root, 'var'), '/var', '--tmpfs', '/var/tmp');
  }
  for (const [src, dest] of options.roBinds ?? []) argv.push('--ro-bind', src, dest);
  for (const name of USR_LINKS) {
    try {
      if (lstatSync(join(root, name)).isSymbolicLink()) argv.push('--symlink', `usr/${name}`, `/${name}`);
    } catch {
      // absent: nothing to link
    }
  }
  return argv;
}

/** Runs `options.argv` in the tree; resolves with the exit status (never throws on a non-zero exit). */
export function runInRoot(options: BwrapRunOptions): Promise<BwrapRunResult> {
  if (options.signal?.aborted) return Promise.reject(new AbortedError('aborted before running in the tree'));
  const args = [...bwrapArgv(options), ...options.argv];
  const env: Record<string, string> = { PATH: '/usr/sbin:/usr/bin', LANG: 'C', ...options.env };
  return new Promise((resolve, reject) => {
    const child = spawn('bwrap', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const keep = (acc: string, chunk: Buffer) => {
      const s = acc + chunk.toString('utf8');
      return s.length > MAX_CAPTURE ? s.slice(s.length - MAX_CAPTURE) : s;
    };
    child.stdout.on('data', (c: Buffer) => (stdout = keep(stdout, c)));
    child.stderr.on('data', (c: Buffer) => (stderr = keep(stderr, c)));
    const onAbort = () => child.kill('SIGKILL');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err: NodeJS.ErrnoException) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(
        err.code === 'ENOENT'
          ? new NotFoundError('bwrap (bubblewrap) is not installed; it is needed to run scripts in the tree', { cause: err })
          : new IoError(`running bwrap: ${err.message}`, { cause: err }),
      );
    });
    child.on('close', (code, sig) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (options.signal?.aborted) reject(new AbortedError('aborted while running in the tree'));
      else resolve({ exitCode: code, signalName: sig, stdout, stderr });
    });
  });
}
