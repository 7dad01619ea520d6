// The README demo: a repository and a sysroot built from the sample OS tree, driven through the
// real `tsostree` command code (main()), printing each command before its output.
import { readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { join, relative, isAbsolute } from 'node:path';
import { InvalidArgumentError } from '@tsostree/errors';
import type { CliContext } from '../context.js';
import { main } from '../main.js';
import { writeSampleOsTree } from './sample-os.js';

/** Marks a directory as made by the demo, so a re-run may delete it (and nothing else). */
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
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, DEMO_MARKER), 'made by `npm run demo`; safe to delete\n');
}

/**
 * Runs the demo. Returns the exit status of the first failing command (printing its error), or 0.
 */
export async function runDemo(opts: DemoOptions): Promise<number> {
  const { ctx } = opts;
  const dir = isAbsolute(opts.dir) ? opts.dir : join(ctx.cwd, opts.dir);
  const show = (p: string): string => {
    const rel = relative(ctx.cwd, p);
    return rel === '' ? '.' : rel.startsWith('..') ? p : rel;
  };
  const say = (text: string): void => ctx.stdout(`\n# ${text}\n`);
  const run = async (args: string[]): Promise<void> => {
    ctx.stdout(`$ tsostree ${args.map((a) => shellQuote(a.replaceAll(dir, show(dir)))).join(' ')}\n`);
    const status = await main(args, ctx);
    if (status !== 0) throw new DemoStepFailed(`step failed with exit status ${status}: tsostree ${args.join(' ')}`, status);
  };

  await prepareDir(dir);
  const repo = join(dir, 'repo');
  const trees = join(dir, 'trees');
  try {
    say(`A repository in ${show(repo)}, and version 1 of a small sample OS (built by code: /usr, /usr/etc, a kernel)`);
    await run(['ostree', 'init', `--repo=${repo}`, '--mode=bare-user']);
    await writeSampleOsTree(join(trees, 'v1'), { version: '1' });
    await run(['ostree', 'commit', `--repo=${repo}`, `--branch=${DEMO_REF}`, '--subject=Demo OS 1', '--add-metadata-string=version=1', `--tree=dir=${join(trees, 'v1')}`]);
    say('Version 2 of the OS: a new os-release and a new motd default');
    await writeSampleOsTree(join(trees, 'v2'), { version: '2' });
    await run(['ostree', 'commit', `--repo=${repo}`, `--branch=${DEMO_REF}`, '--subject=Demo OS 2', '--add-metadata-string=version=2', `--tree=dir=${join(trees, 'v2')}`]);
    await run(['ostree', 'log', `--repo=${repo}`, DEMO_REF]);
  } catch (error) {
    if (error instanceof DemoStepFailed) {
      ctx.stderr(`demo: ${error.message}\n`);
      return error.status;
    }
    throw error;
  }
  say(`Done. Everything is in ${show(dir)}; run \`npm run demo\` again to start over.`);
  return 0;
}
