// The real `ostree admin` run as if the machine were booted into a deployment of a test sysroot,
// so the verbs that need a booted system (`deploy --stage`, `finalize-staged`) have an oracle.
//
// libostree 2022.7 decides "booted" from two facts (ostree_sysroot_initialize and
// parse_deployment in ostree-sysroot.c): `/run/ostree-booted` exists and the sysroot path has the
// device/inode of `/` (so the sysroot is `/`, as on a booted machine), and then the deployment
// directory reached through `ostree/boot.N/...` has the device/inode of `/`. A private mount
// namespace gives exactly that without touching the test sysroot: the deployment directory is
// bind-mounted onto itself and becomes the root (`chroot`; a bind mount keeps the directory's
// device and inode), with the pieces of a booted machine mounted on the tree's own mount points:
//   /sysroot ← the test sysroot (its `ostree/` is then `/ostree -> sysroot/ostree` of the tree),
//   /boot ← <sysroot>/boot, /var ← the stateroot's var, /run ← a per-sysroot run dir holding
//   `ostree-booted` (so `/run/ostree/staged-deployment` survives between calls and can be
//   compared), /usr ← the host's /usr (the ostree binary and its libraries; the tree's own /usr is
//   still what ostree reads through /sysroot), /proc, /dev, a tmpfs /tmp.
// A new PID namespace makes the /proc of the chroot ours: `ostree admin` (2022.7,
// ostree_sysroot_initialize_with_mount_namespace) reads /proc/1/ns/mnt, which the host may refuse.
// Only mounts in the private namespace change; they vanish when the command exits. Needs root (as
// `ostree admin deploy` itself does, for chattr +i) and util-linux `unshare`. The booted deployment
// must have the top level of a real OS commit: the mount points above and the links
// `ostree -> sysroot/ostree`, `bin -> usr/bin`, `lib -> usr/lib`, `lib64 -> usr/lib64` (the host's
// binaries run in there).
import { spawnSync } from 'node:child_process';
import { lstatSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

const MOUNT_POINTS = ['usr', 'sysroot', 'boot', 'var', 'run', 'proc', 'dev', 'tmp'];
const LINKS: [string, string][] = [
  ['ostree', 'sysroot/ostree'],
  ['bin', 'usr/bin'],
  ['lib', 'usr/lib'],
  ['lib64', 'usr/lib64'],
];

function checkBootableRoot(dir: string): void {
  for (const d of MOUNT_POINTS) {
    if (!lstatSync(join(dir, d), { throwIfNoEntry: false })?.isDirectory()) throw new Error(`booted ostree oracle: ${dir} has no /${d} directory to mount on`);
  }
  for (const [name, target] of LINKS) {
    let t: string | undefined;
    try {
      t = readlinkSync(join(dir, name));
    } catch {
      t = undefined;
    }
    if (t !== target) throw new Error(`booted ostree oracle: ${dir} needs the link /${name} -> ${target} (a real OS tree's top level)`);
  }
}

const SCRIPT = `set -e
D=$1 SYSROOT=$2 VAR=$3 RUN=$4; shift 4
mount --bind "$D" "$D"
mount --bind /usr "$D/usr"
mount --bind "$SYSROOT" "$D/sysroot"
mount --bind "$SYSROOT/boot" "$D/boot"
mount --bind "$VAR" "$D/var"
mount --bind "$RUN" "$D/run"
mount -t proc proc "$D/proc"
mount --bind /dev "$D/dev"
mount -t tmpfs tmpfs "$D/tmp"
exec chroot "$D" "$@"
`;

export interface BootedOstree {
  /** The test sysroot (absolute). */
  sysroot: string;
  /** The booted deployment, relative to the sysroot: `ostree/deploy/<os>/deploy/<csum>.<serial>`. */
  deployment: string;
  /** The directory mounted at /run (must hold `ostree-booted`). */
  runDir: string;
}

export interface BootedResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `ostree admin <args>` booted into `b.deployment`; returns its exit status and output. */
export function bootedAdmin(b: BootedOstree, args: string[]): BootedResult {
  if (process.getuid?.() !== 0) throw new Error('the booted ostree oracle needs root (mount namespaces, chattr): run the tests as root like CI');
  const deploymentDir = join(b.sysroot, b.deployment);
  checkBootableRoot(deploymentDir);
  const varDir = join(dirname(dirname(deploymentDir)), 'var');
  const r = spawnSync(
    'unshare',
    ['--mount', '--pid', '--fork', '--propagation', 'private', '/bin/sh', '-c', SCRIPT, 'booted-ostree', deploymentDir, b.sysroot, varDir, b.runDir, 'ostree', 'admin', ...args],
    { encoding: 'utf8' },
  );
  if (r.error) throw new Error(`unshare could not run (util-linux): ${r.error.message}`);
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Like bootedAdmin, but throws unless the command succeeded; returns stdout. */
export function bootedAdminOk(b: BootedOstree, args: string[]): string {
  const r = bootedAdmin(b, args);
  if (r.status !== 0) throw new Error(`ostree admin ${args.join(' ')} (booted) failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}
