// Helpers for the sysroot verbs' tests: sample OS commits and real-ostree sysroots in temp dirs.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeSampleOsTree, type SampleOsOptions } from './sample-os.js';

export const run = promisify(execFile);

/** Runs the real `ostree` and returns its stdout; rejects with its stderr on failure. */
export async function ostree(...args: string[]): Promise<string> {
  try {
    return (await run('ostree', args, { env: { ...process.env, LANG: 'C.UTF-8' } })).stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`ostree ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `tsostree-${prefix}-`));
}

/** Removes a temp dir even when a deployment has the immutable bit (ostree sets it as root). */
export async function removeTree(dir: string): Promise<void> {
  await run('chattr', ['-R', '-i', dir]).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

/** Commits the sample OS (version `version`) into `repo` on `ref` with real ostree; returns the checksum. */
export async function commitSample(work: string, repo: string, ref: string, opts: SampleOsOptions & { timestamp?: string }): Promise<string> {
  const tree = join(work, `tree-${ref.replaceAll('/', '_')}-${opts.version}`);
  await rm(tree, { recursive: true, force: true });
  await writeSampleOsTree(tree, opts);
  const out = await ostree('commit', `--repo=${repo}`, `--branch=${ref}`, `--subject=v${opts.version}`, `--add-metadata-string=version=${opts.version}`, `--tree=dir=${tree}`, ...(opts.timestamp ? [`--timestamp=${opts.timestamp}`] : []));
  return out.trim();
}

/** A sysroot made by real ostree: init-fs + os-init `stateroot`. */
export async function realSysroot(root: string, stateroot = 'os'): Promise<void> {
  await mkdir(root, { recursive: true });
  await ostree('admin', 'init-fs', root);
  await ostree('admin', 'os-init', `--sysroot=${root}`, stateroot);
}

/** Every path under `root` (except the repository's objects) with its type, mode and content digest or link target. */
export async function treeManifest(root: string, skip: (rel: string) => boolean = () => false): Promise<string[]> {
  const { readdir, lstat, readFile, readlink } = await import('node:fs/promises');
  const { createHash } = await import('node:crypto');
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const p = rel === '' ? name : `${rel}/${name}`;
      if (skip(p)) continue;
      const st = await lstat(join(root, p));
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out.push(`${p} l ${await readlink(join(root, p))}`);
      else if (st.isFile()) out.push(`${p} f ${mode} ${createHash('sha256').update(await readFile(join(root, p))).digest('hex').slice(0, 16)}`);
      else if (st.isDirectory()) {
        out.push(`${p} d ${mode}`);
        await walk(p);
      } else out.push(`${p} ? ${mode}`);
    }
  }
  await walk('');
  return out;
}
