// Drives the real `ostree` to make sysroots and deployments for the differential tests, and keeps
// a model of the deployment list so the same inputs can be fed to our code.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function sh(cmd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr ?? ''} ${e.message}`);
  }
}

export interface TreeSpec {
  kver: string;
  osRelease: string;
  /** Include a single device tree (`usr/lib/modules/<kver>/devicetree`). */
  devicetree?: boolean;
  /** Skip the initramfs (ostree then adds `init=` to the options). */
  noInitramfs?: boolean;
  /** A directory of device trees (`usr/lib/modules/<kver>/dtb/`): relative path → contents. */
  dtbDir?: Record<string, string>;
  /** Contents of `usr/lib/ostree-boot/uEnv.txt`. */
  uEnv?: string;
  /** Changes the kernel bytes, hence the boot checksum. */
  kernelSalt?: string;
}

export interface Commit {
  csum: string;
  bootcsum: string;
  version?: string;
  spec: TreeSpec;
}

export type BootloaderSetup = 'none' | 'syslinux' | 'uboot' | 'grub2';

/** One deploy request, in ostree admin deploy terms. */
export interface DeployStep {
  commit: Commit;
  karg?: string[];
  kargAppend?: string[];
  kargDelete?: string[];
}

/** The model of one deployment (what our code needs to write its entry). */
export interface ModelDeployment {
  stateroot: string;
  commit: Commit;
  /** The `options` of its current entry (with the ostree= of the last write), or the new kargs. */
  options: string;
  bootserial: number;
}

export class OstreeSysroot {
  readonly root: string;
  readonly repo: string;
  readonly env: Record<string, string>;
  bootVersion: 0 | 1 = 0;
  deployments: ModelDeployment[] = [];
  #work: string;
  #n = 0;

  private constructor(work: string, env: Record<string, string>) {
    this.#work = work;
    this.root = join(work, 'sysroot');
    this.repo = join(this.root, 'ostree/repo');
    this.env = env;
  }

  static async create(setup: BootloaderSetup, stateroots: string[] = ['testos']): Promise<OstreeSysroot> {
    const work = await mkdtemp(join(tmpdir(), 'tsostree-bootloader-'));
    const env: Record<string, string> = {};
    if (setup === 'grub2') {
      env.OSTREE_BOOT_PARTITION = '/boot';
      env.OSTREE_GRUB2_EXEC = '/usr/libexec/installed-tests/libostree/ostree-grub-generator';
    }
    const s = new OstreeSysroot(work, env);
    await mkdir(s.root, { recursive: true });
    await sh('ostree', ['admin', 'init-fs', s.root]);
    for (const name of stateroots) await sh('ostree', ['admin', 'os-init', `--sysroot=${s.root}`, name]);
    const boot = join(s.root, 'boot');
    if (setup !== 'none') {
      await mkdir(join(boot, 'loader.0'), { recursive: true });
      await symlink('loader.0', join(boot, 'loader'));
    }
    if (setup === 'syslinux') {
      await writeFile(join(boot, 'loader/syslinux.cfg'), 'PROMPT 1\nTIMEOUT 50\n\nLABEL rescue\n\tKERNEL /vmlinuz-rescue\n\tAPPEND root=/dev/sda9 single\n');
      await mkdir(join(boot, 'syslinux'));
      await symlink('../loader/syslinux.cfg', join(boot, 'syslinux/syslinux.cfg'));
    } else if (setup === 'uboot') {
      await writeFile(join(boot, 'loader/uEnv.txt'), '');
      await symlink('loader/uEnv.txt', join(boot, 'uEnv.txt'));
    } else if (setup === 'grub2') {
      await writeFile(join(boot, 'loader/grub.cfg'), '');
      await mkdir(join(boot, 'grub2'));
      await symlink('../loader/grub.cfg', join(boot, 'grub2/grub.cfg'));
    }
    return s;
  }

  /** Commits a tree with a kernel under usr/lib/modules/<kver>/ into the sysroot repo. */
  async commit(branch: string, spec: TreeSpec, version?: string): Promise<Commit> {
    const tree = join(this.#work, `tree-${this.#n++}`);
    const mod = join(tree, 'usr/lib/modules', spec.kver);
    await mkdir(mod, { recursive: true });
    await mkdir(join(tree, 'usr/etc'), { recursive: true });
    const kernel = `kernel ${spec.kver} ${spec.kernelSalt ?? ''}\n`;
    const initramfs = `initramfs ${spec.kver}\n`;
    const dtb = `devicetree ${spec.kver}\n`;
    await writeFile(join(mod, 'vmlinuz'), kernel);
    const hash = createHash('sha256').update(kernel);
    if (!spec.noInitramfs) {
      await writeFile(join(mod, 'initramfs.img'), initramfs);
      hash.update(initramfs);
    }
    if (spec.devicetree) {
      await writeFile(join(mod, 'devicetree'), dtb);
      hash.update(dtb);
    }
    if (spec.dtbDir) {
      // ostree hashes the directory's files in sorted path order.
      for (const rel of Object.keys(spec.dtbDir).sort()) {
        const file = join(mod, 'dtb', rel);
        await mkdir(join(file, '..'), { recursive: true });
        await writeFile(file, spec.dtbDir[rel]);
        hash.update(spec.dtbDir[rel]);
      }
    }
    await writeFile(join(tree, 'usr/lib/os-release'), spec.osRelease);
    if (spec.uEnv !== undefined) {
      await mkdir(join(tree, 'usr/lib/ostree-boot'), { recursive: true });
      await writeFile(join(tree, 'usr/lib/ostree-boot/uEnv.txt'), spec.uEnv);
    }
    const args = ['commit', `--repo=${this.repo}`, '-b', branch, `--tree=dir=${tree}`, '-s', 'test'];
    if (version !== undefined) args.push(`--add-metadata-string=version=${version}`);
    const csum = (await sh('ostree', args)).trim();
    return { csum, bootcsum: hash.digest('hex'), version, spec };
  }

  /** Runs the real `ostree admin deploy` and updates the model the same way. */
  async deploy(stateroot: string, branch: string, step: DeployStep): Promise<void> {
    const args = ['admin', 'deploy', `--sysroot=${this.root}`, `--os=${stateroot}`];
    for (const k of step.karg ?? []) args.push(`--karg=${k}`);
    for (const k of step.kargAppend ?? []) args.push(`--karg-append=${k}`);
    for (const k of step.kargDelete ?? []) args.push(`--karg-delete=${k}`);
    args.push(branch);
    await sh('ostree', args, this.env);
  }

  async readBoot(path: string): Promise<string> {
    return readFile(join(this.root, 'boot', path), 'utf8');
  }

  async currentBootVersion(): Promise<0 | 1> {
    const target = await readlink(join(this.root, 'boot/loader'));
    return target === 'loader.1' ? 1 : 0;
  }

  async entryFiles(bootVersion: 0 | 1): Promise<string[]> {
    return (await readdir(join(this.root, `boot/loader.${bootVersion}/entries`))).sort();
  }

  async destroy(): Promise<void> {
    // Deployments carry the immutable attribute; clear it so the temp dir can go.
    await sh('chattr', ['-R', '-i', this.#work]).catch(() => undefined);
    await rm(this.#work, { recursive: true, force: true });
  }
}
