// Post-processing of an installed root into the layout rpm-ostree commits (rust/src/composepost.rs,
// src/libpriv/rpmostree-postprocess.cxx, rust/src/passwd.rs), in rpm-ostree's order:
//  1. treefile post-processing: remove-from-packages, etc → usr/etc, var/lib/rpm → symlink, units,
//     default-target, mutate-os-release, remove-files, add-files, postprocess scripts (bwrap, no network)
//  2. final: passwd/group split into usr/lib (etc-group-members kept in /etc too), nsswitch altfiles,
//     check-passwd/check-groups, usr/local → ../var/usrlocal, /var → tmpfiles.d, rpm macro + rpmdb cleanup,
//     kernel + initramfs + machine-id + boot-location, useradd HOME, ostree presets, overlay whiteouts
//  3. the top level: only usr, boot, var and the lib/bin/sbin links survive; dev proc run sys sysroot and
//     the home/root/opt/srv/mnt/media/ostree/tmp links are created
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, chmod, link, symlink, unlink } from './fs-direct.js';
import { join } from 'node:path';
import { ConflictError, InvalidArgumentError, throwIfAborted, fromSystemError, IoError, UnsupportedError } from '@tsostree/errors';
import { packageFiles, headerString, TAG } from '@tsostree/rpmdb';
import type { Treefile } from '../format/treefile-types.js';
import { runInRoot } from '../bwrap-run.js';
import type { ScriptletPackage } from '../scriptlets-run.js';
import {
  checkPasswdEntries,
  formatGroup,
  formatPasswd,
  nsswitchAddAltfiles,
  parseGroup,
  parsePasswd,
  passwdIds,
  splitGroup,
  splitPasswd,
  type PasswdCheckResult,
  type PasswdIds,
} from '../format/passwd.js';
import { tmpfilesConf, type TmpfilesEntry } from '../format/tmpfiles.js';
import { processKernel, type KernelResult } from './postprocess-kernel.js';
import { lstatOrUndefined, parentInTree, removeInTree, resolveInTree, treePathComponents, writeFileInTree } from './root-path.js';

/** The treefile keys post-processing reads (the compose's `Treefile` is assignable to it). */
export type PostprocessTreefile = Partial<
  Pick<
    Treefile,
    | 'units'
    | 'default-target'
    | 'remove-files'
    | 'add-files'
    | 'remove-from-packages'
    | 'postprocess'
    | 'postprocess-script'
    | 'etc-group-members'
    | 'check-passwd'
    | 'check-groups'
    | 'ignore-removed-users'
    | 'ignore-removed-groups'
    | 'machineid-compat'
    | 'boot-location'
    | 'tmp-is-dir'
    | 'initramfs-args'
    | 'mutate-os-release'
    | 'container'
    | 'opt-usrlocal'
  >
>;

export type PostprocessProgress = { type: 'postprocess'; step: string; detail?: string };

export interface PostprocessOptions {
  /** Absolute paths of files the treefile names (the compose's `LoadedTreefile.externals`). */
  externals?: { postprocessScript?: string; addFiles?: Record<string, string>; passwd?: string; group?: string };
  /** The installed packages (for `remove-from-packages`). */
  packages?: readonly ScriptletPackage[];
  /** The previous commit's `usr/lib/passwd` and `usr/lib/group` (for check-passwd/-groups `previous`). */
  previous?: { passwd?: string; group?: string };
  /** The version being committed (for `mutate-os-release`). */
  nextVersion?: string;
  /** Regenerate the initramfs with the tree's dracut instead of keeping the packaged one. */
  dracut?: boolean;
  /** Every file stands for root:root whatever its owner on disk (an unprivileged compose: the caller owns them). */
  ownersAreRoot?: boolean;
  signal?: AbortSignal;
  onProgress?: (event: PostprocessProgress) => void;
}

export interface PostprocessResult {
  /** The kernel found (→ `ostree.linux`), absent for kernel-less trees. */
  kernel?: KernelResult;
  /** Lines written to usr/lib/tmpfiles.d/rpm-ostree-autovar.conf. */
  tmpfilesEntries: number;
  /** Non-directory, non-symlink /var content that was dropped (rpm-ostree does the same). */
  droppedVarFiles: string[];
  passwdCheck?: PasswdCheckResult;
  removedFiles: string[];
  /** Device nodes, FIFOs and sockets dropped (ostree cannot store them; overlay whiteouts are converted instead). */
  droppedSpecialFiles: string[];
}

const TOPLEVEL_DIRS = ['dev', 'proc', 'run', 'sys', 'var', 'sysroot'];
const TOPLEVEL_SYMLINKS: [string, string][] = [
  ['opt', 'var/opt'],
  ['srv', 'var/srv'],
  ['mnt', 'var/mnt'],
  ['root', 'var/roothome'],
  ['home', 'var/home'],
  ['media', 'run/media'],
  ['ostree', 'sysroot/ostree'],
];
const TOPLEVEL_KEEP = ['usr', 'boot', 'var', 'lib', 'lib64', 'lib32', 'bin', 'sbin'];
const KNOWN_STATE_FILES = ['var/lib/systemd/random-seed', 'var/lib/systemd/catalog/database', 'var/lib/plymouth/boot-duration', 'var/log/wtmp', 'var/log/btmp'];
const COMPAT_VARLIB_SYMLINKS = ['alternatives', 'vagrant'];
const PWGRP_LOCK_AND_BACKUP_FILES = ['.pwd.lock', 'passwd-', 'group-', 'shadow-', 'gshadow-', 'subuid-', 'subgid-'];
/**
 * The tmpfiles.d integration files rpm-ostree installs into every tree (its package ships them): the
 * directories behind the top-level symlinks, /usr/local's usual subdirectories, and the rpmdb link.
 */
const INTEGRATION_CONF = [
  'd /var/home 0755 root root -',
  'd /var/srv 0755 root root -',
  'd /var/roothome 0700 root root -',
  'd /var/mnt 0755 root root -',
  'd /run/media 0755 root root -',
  'L /var/lib/rpm - - - - ../../usr/share/rpm',
  ...['bin', 'etc', 'games', 'include', 'lib', 'man', 'sbin', 'share', 'src'].map((d) => `d /usr/local/${d} 0755 root root -`),
  '',
].join('\n');
const INTEGRATION_OPT_USRLOCAL_CONF = 'd /var/opt 0755 root root -\nd /var/usrlocal 0755 root root -\n';

async function exists(path: string): Promise<boolean> {
  return (await lstatOrUndefined(path)) !== undefined;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fromSystemError(err, `reading ${path}`);
  }
}

/** Maps a tree path as written in a treefile (`/etc/foo`) to where it lives after the etc → usr/etc move. */
function etcMapped(path: string): string {
  const parts = treePathComponents(path);
  return parts[0] === 'etc' ? ['usr', ...parts].join('/') : parts.join('/');
}

export async function postprocessRoot(
  root: string,
  treefile: PostprocessTreefile,
  options: PostprocessOptions = {},
): Promise<PostprocessResult> {
  const step = (name: string, detail?: string) => {
    throwIfAborted(options.signal);
    options.onProgress?.({ type: 'postprocess', step: name, detail });
  };
  const result: PostprocessResult = { tmpfilesEntries: 0, droppedVarFiles: [], removedFiles: [], droppedSpecialFiles: [] };

  const rootSt = await lstat(root).catch((err: unknown) => {
    throw fromSystemError(err, `opening the tree ${root}`);
  });
  if (!rootSt.isDirectory()) throw new InvalidArgumentError(`${root} is not a directory`, { data: { root } });
  if (!(await lstatOrUndefined(join(root, 'usr')))?.isDirectory()) {
    throw new InvalidArgumentError(`${root}: usr is missing or not a directory`, { data: { root } });
  }
  const etcSt = await lstatOrUndefined(join(root, 'etc'));
  if (etcSt && !etcSt.isDirectory()) throw new InvalidArgumentError(`${root}: etc is not a directory (a symlink?)`, { data: { root } });
  const usrEtcSt = await lstatOrUndefined(join(root, 'usr/etc'));
  if (etcSt && usrEtcSt) throw new ConflictError(`${root}: both etc and usr/etc exist`, { data: { root } });
  if (usrEtcSt && !usrEtcSt.isDirectory()) throw new InvalidArgumentError(`${root}: usr/etc is not a directory`, { data: { root } });

  // --- 1. treefile post-processing -----------------------------------------------------------------
  if ((treefile['remove-from-packages'] ?? []).length > 0) {
    step('remove-from-packages');
    result.removedFiles.push(...(await removeFromPackages(root, treefile['remove-from-packages']!, options.packages ?? [], !!usrEtcSt)));
  }

  step('etc');
  if (etcSt) await rename(join(root, 'etc'), join(root, 'usr/etc'));
  await mkdir(join(root, 'usr/etc'), { recursive: true, mode: 0o755 });

  step('rpmdb');
  if (!(await exists(join(root, 'usr/share/rpm'))) && (await lstatOrUndefined(join(root, 'var/lib/rpm')))?.isDirectory()) {
    await mkdir(join(root, 'usr/share'), { recursive: true });
    await rename(join(root, 'var/lib/rpm'), join(root, 'usr/share/rpm'));
  }
  if ((await lstatOrUndefined(join(root, 'var/lib')))?.isDirectory()) {
    await rm(join(root, 'var/lib/rpm'), { recursive: true, force: true });
    await symlink('../../usr/share/rpm', join(root, 'var/lib/rpm'));
  }

  if ((treefile.units ?? []).length > 0) {
    step('units');
    const wants = 'usr/etc/systemd/system/multi-user.target.wants';
    for (const unit of treefile.units!) {
      if (unit.includes('/') || unit === '' || unit === '.' || unit === '..') {
        throw new InvalidArgumentError(`invalid unit name: ${JSON.stringify(unit)}`, { data: { unit } });
      }
      const loc = await parentInTree(root, `${wants}/${unit}`, { create: true });
      if (await exists(join(loc!.dir, loc!.name))) continue;
      await symlink(`/usr/lib/systemd/system/${unit}`, join(loc!.dir, loc!.name));
    }
  }
  const defaultTarget = treefile['default-target'];
  if (defaultTarget !== undefined) {
    step('default-target');
    if (defaultTarget.includes('/') || defaultTarget === '') throw new InvalidArgumentError(`invalid default-target: ${defaultTarget}`);
    const loc = await parentInTree(root, 'usr/lib/systemd/system/default.target', { create: true });
    await rm(join(loc!.dir, loc!.name), { force: true });
    await symlink(`/usr/lib/systemd/system/${defaultTarget}`, join(loc!.dir, loc!.name));
  }

  if (treefile['mutate-os-release'] && options.nextVersion) {
    step('mutate-os-release');
    await mutateOsRelease(root, treefile['mutate-os-release'], options.nextVersion);
  }

  for (const name of treefile['remove-files'] ?? []) {
    if (name.startsWith('/')) throw new InvalidArgumentError(`Invalid absolute path: ${name}`, { data: { path: name } });
    if (name.includes('..')) throw new InvalidArgumentError(`Invalid '..' in path: ${name}`, { data: { path: name } });
    step('remove-files', name);
    if (await removeInTree(root, etcMapped(name))) result.removedFiles.push(`/${name}`);
  }

  for (const [src, dest] of treefile['add-files'] ?? []) {
    step('add-files', dest);
    const rel = dest.replace(/^\/+/, '');
    if (rel === '') throw new InvalidArgumentError(`Invalid add-files destination: ${dest}`, { data: { dest } });
    const hostSrc = options.externals?.addFiles?.[src];
    if (!hostSrc) throw new InvalidArgumentError(`add-files source ${src} was not resolved by the treefile loader`, { data: { src } });
    const st = await lstat(hostSrc).catch((err: unknown) => {
      throw fromSystemError(err, `add-files source ${src}`);
    });
    if (!st.isFile()) throw new InvalidArgumentError(`add-files source ${src} is not a regular file`, { data: { src } });
    await writeFileInTree(root, etcMapped(rel), await readFile(hostSrc), st.mode & 0o7777);
  }

  const inline = treefile.postprocess ?? [];
  for (let i = 0; i < inline.length; i++) {
    step('postprocess', `inline script ${i}`);
    await runTreeScript(root, inline[i]!, `rpmostree-postprocess-inline-${i}`, options.signal);
  }
  if (treefile['postprocess-script']) {
    step('postprocess', 'postprocess-script');
    const path = options.externals?.postprocessScript;
    if (!path) throw new InvalidArgumentError('postprocess-script was not resolved by the treefile loader');
    await runTreeScript(root, await readFile(path, 'utf8'), 'rpmostree-treefile-postprocess-script', options.signal);
  }

  // --- 2. final --------------------------------------------------------------------------------------
  step('passwd');
  await migratePasswd(root, treefile['etc-group-members'] ?? []);
  const nsswitch = join(root, 'usr/etc/nsswitch.conf');
  const nsSt = await lstatOrUndefined(nsswitch);
  if (nsSt?.isFile()) await writeFileInTree(root, 'usr/etc/nsswitch.conf', nsswitchAddAltfiles(await readFile(nsswitch, 'utf8')), 0o644);
  result.passwdCheck = await checkPasswd(root, treefile, options);

  step('links');
  const optUsrlocal = treefile['opt-usrlocal'] ?? 'var';
  if (optUsrlocal === 'state-overlay') {
    throw new UnsupportedError('opt-usrlocal: state-overlay is not supported (use var or root)', { data: { key: 'opt-usrlocal' } });
  }
  if (optUsrlocal === 'var') {
    await rm(join(root, 'usr/local'), { recursive: true, force: true });
    await symlink('../var/usrlocal', join(root, 'usr/local'));
  } else {
    // opt-usrlocal: root — /opt and /usr/local are plain (read-only at runtime) directories of the commit
    const st = await lstatOrUndefined(join(root, 'usr/local'));
    if (st && !st.isDirectory()) await unlink(join(root, 'usr/local'));
    await mkdir(join(root, 'usr/local'), { recursive: true, mode: 0o755 });
  }
  for (const entry of COMPAT_VARLIB_SYMLINKS) {
    const varlib = join(root, 'var/lib', entry);
    if (!(await lstatOrUndefined(varlib))?.isDirectory()) continue;
    await rm(join(root, 'usr/lib', entry), { recursive: true, force: true });
    await rename(varlib, join(root, 'usr/lib', entry));
    await symlink(`../../usr/lib/${entry}`, varlib);
  }

  step('var');
  const varResult = await varToTmpfiles(root, options.ownersAreRoot === true, options.signal);
  result.tmpfilesEntries = varResult.entries;
  result.droppedVarFiles = varResult.dropped;

  step('rpm');
  await writeFileInTree(root, 'usr/lib/rpm/macros.d/macros.rpm-ostree', '%_dbpath /usr/share/rpm\n', 0o644);
  const rpmdbDir = join(root, 'usr/share/rpm');
  if ((await lstatOrUndefined(rpmdbDir))?.isDirectory()) {
    for (const name of await readdir(rpmdbDir)) {
      if (name === '.dbenv.lock' || name === '.rpm.lock' || name.startsWith('__db.')) await rm(join(rpmdbDir, name), { force: true });
    }
  }
  for (const name of PWGRP_LOCK_AND_BACKUP_FILES) await rm(join(root, 'usr/etc', name), { force: true });
  await rm(join(root, 'usr/etc/.updated'), { force: true });
  await writeFileInTree(root, 'usr/lib/tmpfiles.d/rpm-ostree-0-integration.conf', INTEGRATION_CONF, 0o644);
  if (optUsrlocal === 'var') {
    await writeFileInTree(root, 'usr/lib/tmpfiles.d/rpm-ostree-0-integration-opt-usrlocal.conf', INTEGRATION_OPT_USRLOCAL_CONF, 0o644);
  }

  if (!treefile.container) {
    step('kernel');
    result.kernel = await processKernel(root, {
      bootLocation: treefile['boot-location'] ?? 'new',
      machineidCompat: treefile['machineid-compat'] ?? true,
      dracut: options.dracut,
      initramfsArgs: treefile['initramfs-args'],
      signal: options.signal,
    });
  }

  step('final');
  await postprocessUseradd(root);
  const wantsdir = 'usr/lib/systemd/system/multi-user.target.wants';
  await mkdir(join(root, wantsdir), { recursive: true, mode: 0o755 });
  for (const service of ['ostree-remount.service', 'ostree-finalize-staged.path']) {
    const p = join(root, wantsdir, service);
    if (!(await exists(p))) await symlink(`../${service}`, p);
  }
  await rpmdbBaseLocation(root);
  if (treefile !== null && typeof treefile === 'object') {
    // rpm-ostree records the treefile it composed from (compose_postprocess → write_compose_json)
    await writeFileInTree(root, 'usr/share/rpm-ostree/treefile.json', JSON.stringify(treefile), 0o644);
  }

  // --- 3. top level --------------------------------------------------------------------------------
  step('rootfs');
  await prepareToplevel(root, treefile['tmp-is-dir'] ?? false, optUsrlocal === 'root');
  result.droppedSpecialFiles = await specialFiles(root);
  return result;
}

async function removeFromPackages(root: string, rules: readonly (readonly string[])[], packages: readonly ScriptletPackage[], etcMoved: boolean): Promise<string[]> {
  const removed: string[] = [];
  for (const [pkgName, ...patterns] of rules) {
    const pkg = packages.find((p) => headerString(p.header, TAG.NAME) === pkgName);
    if (!pkg) throw new InvalidArgumentError(`remove-from-packages: package ${pkgName} is not installed`, { data: { package: pkgName } });
    const regexes = patterns.map((p) => {
      try {
        return new RegExp(p, 'u');
      } catch (err) {
        throw new InvalidArgumentError(`remove-from-packages: invalid regex ${JSON.stringify(p)}`, { cause: err, data: { package: pkgName } });
      }
    });
    // deepest first, so a directory's files go before the directory
    const files = packageFiles(pkg.header)
      .map((f) => f.path)
      .filter((p) => regexes.some((r) => r.test(p)))
      .sort((a, b) => b.length - a.length);
    for (const path of files) {
      const rel = etcMoved ? etcMapped(path) : treePathComponents(path).join('/');
      const loc = await parentInTree(root, rel);
      if (!loc) continue;
      const host = join(loc.dir, loc.name);
      const st = await lstatOrUndefined(host);
      if (!st) continue;
      if (st.isDirectory()) {
        if ((await readdir(host)).length > 0) continue; // other packages still have content there
        await rm(host, { recursive: true });
      } else await unlink(host);
      removed.push(path);
    }
  }
  return removed;
}

async function runTreeScript(root: string, body: string, name: string, signal?: AbortSignal): Promise<void> {
  const rel = `usr/bin/${name}`;
  await writeFileInTree(root, rel, body, 0o755);
  try {
    const run = await runInRoot({ root, etcDir: 'usr/etc', argv: [`/${rel}`], signal });
    if (run.exitCode !== 0) {
      const how = run.signalName ? `killed by ${run.signalName}` : `exit status ${run.exitCode}`;
      throw new IoError(`postprocess script ${name} failed (${how}): ${run.stderr.trim().split('\n').slice(-5).join('\n')}`, {
        data: { script: name, exitCode: run.exitCode, stderr: run.stderr },
      });
    }
  } finally {
    await rm(join(root, rel), { force: true });
  }
}

async function migratePasswd(root: string, etcGroupMembers: readonly string[]): Promise<void> {
  const passwdText = await readText(join(root, 'usr/etc/passwd'));
  if (passwdText !== undefined) {
    const { etc, usrlib } = splitPasswd(parsePasswd(passwdText));
    const existing = (await readText(join(root, 'usr/lib/passwd'))) ?? '';
    await writeFileInTree(root, 'usr/lib/passwd', existing + formatPasswd(usrlib), 0o644);
    await writeFileInTree(root, 'usr/etc/passwd', formatPasswd(etc), 0o644);
  }
  const groupText = await readText(join(root, 'usr/etc/group'));
  if (groupText !== undefined) {
    const { etc, usrlib } = splitGroup(parseGroup(groupText), etcGroupMembers);
    const existing = (await readText(join(root, 'usr/lib/group'))) ?? '';
    await writeFileInTree(root, 'usr/lib/group', existing + formatGroup(usrlib), 0o644);
    await writeFileInTree(root, 'usr/etc/group', formatGroup(etc), 0o644);
  }
}

async function checkPasswd(root: string, treefile: PostprocessTreefile, options: PostprocessOptions): Promise<PasswdCheckResult | undefined> {
  const cp = treefile['check-passwd'] ?? { type: 'previous' };
  const cg = treefile['check-groups'] ?? { type: 'previous' };
  const next = passwdIds(parsePasswd((await readText(join(root, 'usr/lib/passwd'))) ?? ''), parseGroup((await readText(join(root, 'usr/lib/group'))) ?? ''));
  const old: PasswdIds = { users: new Map(), groups: new Map() };
  let checkUsers = true;
  let checkGroups = true;
  switch (cp.type) {
    case 'none':
      checkUsers = false;
      break;
    case 'previous':
      if (options.previous?.passwd === undefined) checkUsers = false;
      else old.users = passwdIds(parsePasswd(options.previous.passwd), []).users;
      break;
    case 'file':
      if (!options.externals?.passwd) throw new InvalidArgumentError('check-passwd file was not resolved by the treefile loader');
      old.users = passwdIds(parsePasswd(await readFile(options.externals.passwd, 'utf8')), []).users;
      break;
    case 'data':
      for (const [name, ids] of Object.entries(cp.entries)) {
        const [uid, gid] = Array.isArray(ids) ? [ids[0], ids[1] ?? ids[0]] : [ids, ids];
        old.users.set(name, { uid, gid });
      }
      break;
  }
  switch (cg.type) {
    case 'none':
      checkGroups = false;
      break;
    case 'previous':
      if (options.previous?.group === undefined) checkGroups = false;
      else old.groups = passwdIds([], parseGroup(options.previous.group)).groups;
      break;
    case 'file':
      if (!options.externals?.group) throw new InvalidArgumentError('check-groups file was not resolved by the treefile loader');
      old.groups = passwdIds([], parseGroup(await readFile(options.externals.group, 'utf8'))).groups;
      break;
    case 'data':
      for (const [name, ids] of Object.entries(cg.entries)) old.groups.set(name, Array.isArray(ids) ? ids[0] : ids);
      break;
  }
  if (!checkUsers && !checkGroups) return undefined;
  let owners: { uids: Set<number>; gids: Set<number> } | undefined;
  const scan = async () => (owners ??= options.ownersAreRoot === true ? { uids: new Set([0]), gids: new Set([0]) } : await treeOwners(root));
  // The in-use scan is only needed when something disappeared; do it eagerly only then.
  const needScan =
    (checkUsers && [...old.users.keys()].some((n) => !next.users.has(n))) || (checkGroups && [...old.groups.keys()].some((n) => !next.groups.has(n)));
  if (needScan) await scan();
  return checkPasswdEntries(next, old, {
    checkUsers,
    checkGroups,
    ignoreRemovedUsers: treefile['ignore-removed-users'],
    ignoreRemovedGroups: treefile['ignore-removed-groups'],
    uidInUse: (uid) => owners?.uids.has(uid) ?? false,
    gidInUse: (gid) => owners?.gids.has(gid) ?? false,
  });
}

async function treeOwners(root: string): Promise<{ uids: Set<number>; gids: Set<number> }> {
  const uids = new Set<number>();
  const gids = new Set<number>();
  const walk = async (dir: string) => {
    const st = await lstat(dir);
    uids.add(st.uid);
    gids.add(st.gid);
    for (const ent of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, ent.name);
      if (ent.isDirectory()) await walk(p);
      else {
        const s = await lstat(p);
        uids.add(s.uid);
        gids.add(s.gid);
      }
    }
  };
  await walk(root);
  return { uids, gids };
}

async function mutateOsRelease(root: string, baseVersion: string, nextVersion: string): Promise<void> {
  // /etc/os-release is usually a symlink to ../usr/lib/os-release: resolve it as /etc would see it.
  let rel = 'usr/etc/os-release';
  const st = await lstatOrUndefined(join(root, rel));
  if (st?.isSymbolicLink()) {
    const target = await readlink(join(root, rel));
    rel = target.startsWith('/') ? target : `etc/${target}`;
    rel = etcMapped(normalizeTreePath(rel));
  }
  const host = await resolveInTree(root, rel);
  if (!host) throw new InvalidArgumentError('mutate-os-release: the tree has no /etc/os-release', { data: { path: rel } });
  const contents = await readFile(host, 'utf8');
  const out: string[] = [];
  for (const line of contents.split('\n')) {
    if (line === '') continue;
    const m = /^(VERSION=|PRETTY_NAME=)(.*)$/.exec(line);
    out.push(m ? m[1]! + m[2]!.split(baseVersion).join(nextVersion) : line);
  }
  const quoted = /^[A-Za-z0-9_./:+-]+$/.test(nextVersion) ? nextVersion : `'${nextVersion.replace(/'/g, `'\\''`)}'`;
  out.push(`OSTREE_VERSION=${quoted}`);
  await writeFileInTree(root, host.slice(root.length + 1), `${out.join('\n')}\n`, 0o644);
}

function normalizeTreePath(path: string): string {
  const out: string[] = [];
  for (const p of path.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (out.length === 0) throw new InvalidArgumentError(`path ${path} leaves the tree`, { data: { path } });
      out.pop();
    } else out.push(p);
  }
  return out.join('/');
}

/** Package /var content → usr/lib/tmpfiles.d/rpm-ostree-autovar.conf; /var is then emptied. */
async function varToTmpfiles(root: string, ownersAreRoot: boolean, signal?: AbortSignal): Promise<{ entries: number; dropped: string[] }> {
  const varDir = join(root, 'var');
  const varSt = await lstatOrUndefined(varDir);
  if (varSt && !varSt.isDirectory()) throw new InvalidArgumentError(`${root}: var is not a directory`, { data: { root } });
  const dropped: string[] = [];
  const entries: TmpfilesEntry[] = [];
  if (varSt) {
    const users = new Map<number, string>();
    const groups = new Map<number, string>();
    for (const f of ['usr/etc/passwd', 'usr/lib/passwd']) for (const e of parsePasswd((await readText(join(root, f))) ?? '')) users.set(e.uid, e.name);
    for (const f of ['usr/etc/group', 'usr/lib/group']) for (const e of parseGroup((await readText(join(root, f))) ?? '')) groups.set(e.gid, e.name);
    const lookup = (map: Map<number, string>, id: number, what: string, path: string) => {
      const name = ownersAreRoot ? 'root' : (map.get(id) ?? (id === 0 ? 'root' : undefined));
      if (name === undefined) throw new InvalidArgumentError(`failed to find ${what} ID '${id}' (owner of ${path})`, { data: { path, id } });
      return name;
    };
    await rm(join(root, 'var/run'), { recursive: true, force: true });
    for (const p of KNOWN_STATE_FILES) await rm(join(root, p), { force: true });
    const walk = async (rel: string) => {
      throwIfAborted(signal);
      for (const name of (await readdir(join(root, rel))).sort()) {
        const childRel = `${rel}/${name}`;
        const st = await lstat(join(root, childRel));
        const abs = `/${childRel}`;
        if (st.isDirectory()) {
          entries.push({ type: 'd', path: abs, mode: st.mode, user: lookup(users, st.uid, 'user', abs), group: lookup(groups, st.gid, 'group', abs) });
          await walk(childRel);
        } else if (st.isSymbolicLink()) {
          entries.push({ type: 'L', path: abs, target: await readlink(join(root, childRel)) });
        } else {
          dropped.push(abs);
        }
      }
    };
    await walk('var');
  }
  await rm(varDir, { recursive: true, force: true });
  await mkdir(varDir, { mode: 0o755 });
  await chmod(varDir, 0o755);
  await writeFileInTree(root, 'usr/lib/tmpfiles.d/rpm-ostree-autovar.conf', tmpfilesConf(entries), 0o644);
  return { entries: new Set(entries.map((e) => e.path)).size, dropped };
}

async function postprocessUseradd(root: string): Promise<void> {
  const path = join(root, 'usr/etc/default/useradd');
  const st = await lstatOrUndefined(path);
  if (!st?.isFile()) return;
  const text = await readFile(path, 'utf8');
  const out = text
    .split('\n')
    .slice(0, text.endsWith('\n') ? -1 : undefined)
    .map((l) => (l.startsWith('HOME=') ? 'HOME=/var/home' : l));
  await writeFileInTree(root, 'usr/etc/default/useradd', `${out.join('\n')}\n`, 0o644);
}

/**
 * Character devices 0:0 (overlayfs whiteouts) become `.ostree-wh.<name>` regular files (ostree's convention);
 * other device nodes, FIFOs and sockets cannot be committed and are dropped (rpm-ostree's `ignore-devices`).
 */
async function specialFiles(root: string): Promise<string[]> {
  const dropped: string[] = [];
  const walk = async (dir: string) => {
    for (const ent of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, ent.name);
      if (ent.isDirectory()) await walk(p);
      else if (ent.isCharacterDevice() || ent.isBlockDevice() || ent.isFIFO() || ent.isSocket()) {
        const st = await lstat(p);
        await unlink(p);
        if (ent.isCharacterDevice() && st.rdev === 0) {
          await writeFileInTree(root, join(dir, `.ostree-wh.${ent.name}`).slice(root.length + 1), '', st.mode & 0o7777);
        } else dropped.push(`/${p.slice(root.length + 1)}`);
      }
    }
  };
  await walk(root);
  return dropped.sort();
}

/** usr/lib/sysimage/rpm-ostree-base-db (hardlinks of usr/share/rpm) and usr/lib/sysimage/rpm → ../../share/rpm. */
async function rpmdbBaseLocation(root: string): Promise<void> {
  const src = join(root, 'usr/share/rpm');
  if (!(await lstatOrUndefined(src))?.isDirectory()) return;
  const base = join(root, 'usr/lib/sysimage/rpm-ostree-base-db');
  await rm(base, { recursive: true, force: true });
  const copy = async (from: string, to: string) => {
    const st = await lstat(from);
    await mkdir(to, { recursive: true, mode: st.mode & 0o7777 });
    await chmod(to, st.mode & 0o7777);
    for (const ent of await readdir(from, { withFileTypes: true })) {
      if (ent.isDirectory()) await copy(join(from, ent.name), join(to, ent.name));
      else await link(join(from, ent.name), join(to, ent.name));
    }
  };
  await copy(src, base);
  const sysimage = join(root, 'usr/lib/sysimage/rpm');
  await rm(join(sysimage, '.rpmdbdirsymlink_created'), { force: true });
  const st = await lstatOrUndefined(sysimage);
  if (st?.isDirectory()) {
    if ((await readdir(sysimage)).length > 0) throw new ConflictError('usr/lib/sysimage/rpm is not empty (the rpmdb must be in usr/share/rpm)', { data: { root } });
    await rm(sysimage, { recursive: true });
  } else if (st) await unlink(sysimage);
  await symlink('../../share/rpm', sysimage);
}

async function prepareToplevel(root: string, tmpIsDir: boolean, optIsDir: boolean): Promise<void> {
  for (const name of await readdir(root)) {
    if (TOPLEVEL_KEEP.includes(name) || (optIsDir && name === 'opt' && (await lstat(join(root, name))).isDirectory())) continue;
    await rm(join(root, name), { recursive: true, force: true });
  }
  await chmod(root, 0o755);
  for (const d of TOPLEVEL_DIRS) {
    const st = await lstatOrUndefined(join(root, d));
    if (st && !st.isDirectory()) await unlink(join(root, d));
    if (!st?.isDirectory()) await mkdir(join(root, d), { mode: 0o755 });
  }
  for (const [name, target] of TOPLEVEL_SYMLINKS) {
    if (optIsDir && name === 'opt') {
      await mkdir(join(root, 'opt'), { recursive: true, mode: 0o755 });
      continue;
    }
    await symlink(target, join(root, name));
  }
  if (tmpIsDir) {
    await mkdir(join(root, 'tmp'), { mode: 0o1777 });
    await chmod(join(root, 'tmp'), 0o1777);
  } else await symlink('sysroot/tmp', join(root, 'tmp'));
}
