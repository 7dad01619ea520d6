// The README demo: versions 1 and 2 of a tiny OS composed from the sample RPM repositories in
// tools/demo-rpms, deployed into a sysroot, upgraded and rolled back — driven through the real `tsostree`
// command code (main()), printing each command before its output. Needs nothing but Node: no rpm, no
// ostree, no bubblewrap (the demo packages have no scriptlets), no root.
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { InvalidArgumentError } from '@tsostree/errors';
import type { CliContext } from '../context.js';
import { BOOTED_ENV } from '../commands/sysroot-option.js';
import { main } from '../main.js';

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
  /** The sample RPM repositories (`repo-v1/`, `repo-v2/`); default: tools/demo-rpms of this workspace. */
  rpms?: string;
}

/** tools/demo-rpms, next to this workspace's apps/. */
export const DEMO_RPMS = fileURLToPath(new URL('../../../../tools/demo-rpms', import.meta.url));

/** The treefile of the demo OS: the kernel, os-release and demo-hello (their dependencies come along). */
export const DEMO_TREEFILE = `ref: ${DEMO_REF}
repos: [demo]
packages: [kernel, demo-release, demo-hello]
automatic-version-prefix: "1"
`;

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
  const rpms = opts.rpms ?? DEMO_RPMS;
  const env: Record<string, string | undefined> = { ...opts.ctx.env };
  delete env[BOOTED_ENV];
  const ctx: CliContext = { ...opts.ctx, env };
  const show = (p: string): string => {
    const rel = relative(ctx.cwd, p);
    return rel === '' ? '.' : rel.startsWith('..') ? p : rel;
  };
  const short = (text: string): string => text.replaceAll(dir, show(dir)).replaceAll(rpms, show(rpms));
  const say = (text: string): void => ctx.stdout(`\n# ${text}\n`);
  const cli = async (args: string[]): Promise<string> => {
    // URLs stay absolute (file://demo/repo would name a host)
    ctx.stdout(`$ tsostree ${args.map((a) => shellQuote(a.startsWith('file:') ? a : short(a))).join(' ')}\n`);
    let out = '';
    const status = await main(args, { ...ctx, stdout: (t) => ((out += t), ctx.stdout(t)) });
    if (status !== 0) throw new DemoStepFailed(`step failed with exit status ${status}: tsostree ${args.join(' ')}`, status);
    return out;
  };
  const shell = (line: string): void => ctx.stdout(`$ ${short(line)}\n`);
  const cat = async (...files: string[]): Promise<void> => {
    shell(`cat ${files.join(' ')}`);
    for (const f of files) ctx.stdout(await readFile(f, 'utf8'));
  };

  await prepareDir(dir);
  const compose = join(dir, 'compose');
  const treefile = join(compose, 'demo-os.yaml');
  const repoFile = join(compose, 'demo.repo');
  const server = join(dir, 'repo');
  const sysroot = join(dir, 'sysroot');
  const sysrepo = join(sysroot, 'ostree/repo');
  const S = `--sysroot=${sysroot}`;
  const repoConfig = (v: string) => `[demo]\nname=tsostree demo packages\nbaseurl=${pathToFileURL(join(rpms, `repo-${v}`)).href}\ngpgcheck=0\n`;
  const composeTree = async (): Promise<string> => {
    const out = await cli(['compose', 'tree', `--repo=${server}`, treefile]);
    return /^Wrote commit: ([0-9a-f]{64})$/m.exec(out)?.[1] ?? '';
  };
  const deployDir = (commit: string) => join(sysroot, 'ostree/deploy', DEMO_STATEROOT, 'deploy', `${commit}.0`);
  try {
    say(`The demo OS: a treefile and a file:// repository of tiny RPMs (${show(join(rpms, 'repo-v1'))}: a kernel, os-release, demo-hello 1.0…)`);
    await mkdir(compose);
    await writeFile(treefile, DEMO_TREEFILE);
    await writeFile(repoFile, repoConfig('v1'));
    await cat(treefile, repoFile);

    say('Compose version 1 into an archive repository (what a build server publishes over HTTP)');
    await cli(['ostree', 'init', `--repo=${server}`, '--mode=archive']);
    const v1 = await composeTree();

    say(`A machine: a sysroot (its repository in bare-user-only mode, so no root is needed) that pulls from the build server`);
    await mkdir(join(sysroot, 'ostree'), { recursive: true });
    await cli(['ostree', 'init', `--repo=${sysrepo}`, '--mode=bare-user-only']);
    await cli(['ostree', 'admin', 'init-fs', sysroot]);
    await cli(['ostree', 'admin', 'os-init', S, DEMO_STATEROOT]);
    await cli(['ostree', 'remote', 'add', `--repo=${sysrepo}`, '--no-gpg-verify', 'demo', pathToFileURL(server).href]);
    await cli(['ostree', 'pull', `--repo=${sysrepo}`, 'demo', DEMO_REF]);
    await cli(['ostree', 'admin', 'deploy', S, `--os=${DEMO_STATEROOT}`, '--karg=root=LABEL=demo-root', `demo:${DEMO_REF}`]);

    say(`Boot version 1 (a real machine knows from /proc/cmdline; here ${BOOTED_ENV} says so) and edit its /etc`);
    shell(`export ${BOOTED_ENV}=${v1}.0`);
    env[BOOTED_ENV] = `${v1}.0`;
    const etc1 = join(deployDir(v1), 'etc');
    shell(`d=${join(sysroot, 'ostree/deploy', DEMO_STATEROOT, 'deploy')}/$${BOOTED_ENV}`);
    shell(`echo 'greeting = hi from this machine' >> $d/etc/demo.conf`);
    await writeFile(join(etc1, 'demo.conf'), 'greeting = hi from this machine\n', { flag: 'a' });
    shell(`echo 'PermitRootLogin no' > $d/etc/local.conf`);
    await writeFile(join(etc1, 'local.conf'), 'PermitRootLogin no\n');
    await cli(['ostree', 'admin', 'config-diff', S]);

    say(`Version 2: the same treefile over ${show(join(rpms, 'repo-v2'))}, which adds demo-hello 2.0`);
    shell(`sed -i s/repo-v1/repo-v2/ ${repoFile}`);
    await writeFile(repoFile, repoConfig('v2'));
    const v2 = await composeTree();

    say('The machine upgrades: it pulls version 2 and stages it for the next boot; version 1 (●) is still running');
    await cli(['upgrade', S]);
    await cli(['status', S]);
    await cli(['db', 'diff', S]);

    say('Reboot: at shutdown the staged deployment is finalized (its /etc merged three ways), then version 2 boots');
    await cli(['ostree', 'admin', 'finalize-staged', S]);
    shell(`export ${BOOTED_ENV}=${v2}.0`);
    env[BOOTED_ENV] = `${v2}.0`;
    shell(`d=${join(sysroot, 'ostree/deploy', DEMO_STATEROOT, 'deploy')}/$${BOOTED_ENV}`);
    const root2 = deployDir(v2);
    shell('cat $d/etc/demo.conf $d/etc/local.conf $d/usr/share/demo-hello/VERSION');
    for (const f of ['etc/demo.conf', 'etc/local.conf', 'usr/share/demo-hello/VERSION']) ctx.stdout(await readFile(join(root2, f), 'utf8'));

    say('Changed our mind: roll back; version 1 becomes the default again (nothing is copied, only the boot order changes)');
    await cli(['rollback', S]);
    await cli(['status', S]);
  } catch (error) {
    if (error instanceof DemoStepFailed) {
      ctx.stderr(`demo: ${error.message}\n`);
      return error.status;
    }
    throw error;
  }
  say(`Done. Everything is in ${show(dir)}; \`npm run demo\` again starts over. Try: npm run tsostree -- db list --repo=${show(server)} ${DEMO_REF}`);
  return 0;
}
