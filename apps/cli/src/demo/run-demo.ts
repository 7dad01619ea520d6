// The README demo: a repository and a sysroot built from the sample OS tree, driven through the
// real `tsostree` command code (main()), printing each command before its output.
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { InvalidArgumentError } from '@tsostree/errors';
import type { CliContext } from '../context.js';
import { BOOTED_ENV } from '../commands/sysroot-option.js';
import { main } from '../main.js';
import { writeSampleOsTree } from './sample-os.js';

/** Marks a directory as made by the demo, so a re-run may delete it (and nothing else). */
const run = promisify(execFile);

export const DEMO_MARKER = '.tsostree-demo';
export const DEMO_STATEROOT = 'demo';
export const DEMO_REF = 'demo/x86_64/stable';

export interface DemoOptions {
  /** The demo directory: created, or replaced when it holds a previous demo. */
  dir: string;
  /** Where the demo prints and the commands write. */
  ctx: CliContext;
}

/** A demo command failed (it already printed its error); carries its exit status. */
class DemoStepFailed extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Quotes an argument for display the way a shell user would type it. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(arg)) return arg;
  const eq = arg.indexOf('=');
  if (arg.startsWith('--') && eq > 0 && /^[A-Za-z0-9-]+$/.test(arg.slice(2, eq))) return `${arg.slice(0, eq + 1)}${shellQuote(arg.slice(eq + 1))}`;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

async function prepareDir(dir: string): Promise<void> {
  const existing = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (existing !== null && existing.length > 0) {
    const isDemo = await stat(join(dir, DEMO_MARKER)).then(
      () => true,
      () => false,
    );
    if (!isDemo) {
      throw new InvalidArgumentError(`${dir} exists and was not made by the demo; choose another directory`);
    }
    await removeDemoDir(dir);
  }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, DEMO_MARKER), 'made by `npm run demo`; safe to delete\n');
}

/** Removes a previous demo directory; deployments are sealed with the immutable attribute when run as root. */
async function removeDemoDir(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'EACCES') throw error;
    await run('chattr', ['-R', '-i', dir]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the demo. Returns the exit status of the first failing command (printing its error), or 0.
 */
export async function runDemo(opts: DemoOptions): Promise<number> {
  const dir = isAbsolute(opts.dir) ? opts.dir : join(opts.ctx.cwd, opts.dir);
  const env: Record<string, string | undefined> = { ...opts.ctx.env };
  delete env[BOOTED_ENV];
  const ctx: CliContext = { ...opts.ctx, env };
  const show = (p: string): string => {
    const rel = relative(ctx.cwd, p);
    return rel === '' ? '.' : rel.startsWith('..') ? p : rel;
  };
  const short = (text: string): string => text.replaceAll(dir, show(dir));
  const say = (text: string): void => ctx.stdout(`\n# ${text}\n`);
  const cli = async (args: string[]): Promise<string> => {
    ctx.stdout(`$ tsostree ${args.map((a) => shellQuote(short(a))).join(' ')}\n`);
    let out = '';
    const status = await main(args, { ...ctx, stdout: (t) => ((out += t), ctx.stdout(t)) });
    if (status !== 0) throw new DemoStepFailed(`step failed with exit status ${status}: tsostree ${args.join(' ')}`, status);
    return out;
  };
  const shell = (line: string): void => ctx.stdout(`$ ${short(line)}\n`);

  await prepareDir(dir);
  const sysroot = join(dir, 'sysroot');
  const repo = join(sysroot, 'ostree/repo');
  const trees = join(dir, 'trees');
  const S = `--sysroot=${sysroot}`;
  const commit = async (version: string): Promise<string> => {
    const tree = join(trees, `v${version}`);
    await writeSampleOsTree(tree, { version });
    const out = await cli(['ostree', 'commit', `--repo=${repo}`, `--branch=${DEMO_REF}`, `--subject=Demo OS ${version}`, `--add-metadata-string=version=${version}`, `--tree=dir=${tree}`]);
    return out.trim();
  };
  try {
    say(`A sysroot in ${show(sysroot)}: the layout of a machine's / (boot/, ostree/repo, ostree/deploy/)`);
    await mkdir(sysroot);
    await cli(['ostree', 'admin', 'init-fs', sysroot]);
    await cli(['ostree', 'admin', 'os-init', S, DEMO_STATEROOT]);

    say('Version 1 of a small sample OS (made by code: /usr, /usr/etc defaults, a kernel and initramfs), committed and deployed');
    const v1 = await commit('1');
    await cli(['ostree', 'admin', 'deploy', S, `--os=${DEMO_STATEROOT}`, '--karg=root=LABEL=demo-root', '--karg=quiet', DEMO_REF]);
    const v1dir = join(sysroot, 'ostree/deploy', DEMO_STATEROOT, 'deploy', `${v1}.0`);

    say(`Pretend the machine booted version 1 (a real machine knows from /proc/cmdline; here ${BOOTED_ENV} says so)`);
    shell(`export ${BOOTED_ENV}=${v1}.0`);
    env[BOOTED_ENV] = `${v1}.0`;

    say("Local configuration: edit the running system's /etc");
    shell(`echo log_level=debug > ${join(v1dir, 'etc/demo.conf')}`);
    await writeFile(join(v1dir, 'etc/demo.conf'), 'log_level=debug\n');
    shell(`echo 'PermitRootLogin no' > ${join(v1dir, 'etc/local.conf')}`);
    await writeFile(join(v1dir, 'etc/local.conf'), 'PermitRootLogin no\n');
    shell(`rm ${join(v1dir, 'etc/hostname')}`);
    await rm(join(v1dir, 'etc/hostname'));
    await cli(['ostree', 'admin', 'config-diff', S]);

    say('Version 2 arrives (new os-release, new motd default) and is deployed next to version 1: /etc is merged three ways');
    const v2 = await commit('2');
    await cli(['ostree', 'admin', 'deploy', S, `--os=${DEMO_STATEROOT}`, DEMO_REF]);
    const v2etc = join(sysroot, 'ostree/deploy', DEMO_STATEROOT, 'deploy', `${v2}.0`, 'etc');
    shell(`cat ${join(v2etc, 'demo.conf')} ${join(v2etc, 'motd')}`);
    ctx.stdout((await readFile(join(v2etc, 'demo.conf'), 'utf8')) + (await readFile(join(v2etc, 'motd'), 'utf8')));

    say('Version 2 boots next; version 1 (booted, ●) stays for rollback');
    await cli(['status', S]);

    say('Changed our mind: roll back, version 1 becomes the default again (nothing is copied, only the boot order changes)');
    await cli(['rollback', S]);
    await cli(['status', S]);
  } catch (error) {
    if (error instanceof DemoStepFailed) {
      ctx.stderr(`demo: ${error.message}\n`);
      return error.status;
    }
    throw error;
  }
  say(`Done. Everything is in ${show(dir)}; \`npm run demo\` again starts over. Try: tsostree ostree admin status --sysroot=${show(sysroot)}`);
  return 0;
}
