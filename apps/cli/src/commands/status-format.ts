// `rpm-ostree status` text and `--json` document for commits without layered packages.
import {
  commitMetaString,
  commitVersion,
  formatUtcTimestamp,
  gvariantToJson,
  originRefspec,
  type DeploymentView,
} from './deployment-view.js';

/** rpm-ostree aligns every key to the width of its longest one, "InactiveBaseReplacements". */
const KEY_WIDTH = 'InactiveBaseReplacements'.length;

function kv(key: string, value: string): string {
  return `  ${key.padStart(KEY_WIDTH)}${key === '' ? ' ' : ':'} ${value}\n`;
}

export interface StatusTextOptions {
  verbose?: boolean;
  bootedOnly?: boolean;
}

export function formatStatusText(deployments: readonly DeploymentView[], opts: StatusTextOptions = {}): string {
  let out = 'State: idle\n';
  if (opts.verbose) out += 'AutomaticUpdates: disabled\n';
  out += opts.bootedOnly ? 'BootedDeployment:\n' : 'Deployments:\n';
  const multipleStateroots = new Set(deployments.map((d) => d.stateroot)).size > 1;
  let first = true;
  for (const d of deployments) {
    if (opts.bootedOnly && !d.booted) continue;
    if (!first && !opts.bootedOnly) out += '\n';
    out += formatOne(d, first, multipleStateroots, opts);
    first = false;
  }
  return out;
}

function formatOne(d: DeploymentView, first: boolean, multipleStateroots: boolean, opts: StatusTextOptions): string {
  let out = `${d.booted ? '●' : ' '} ${originRefspec(d.origin) ?? d.checksum}\n`;
  const title = commitMetaString(d.commit, 'ostree.source-title');
  if (title !== undefined) out += `  └─ ${title}\n`;
  const timestamp = formatUtcTimestamp(d.commit?.timestamp ?? 0);
  const version = commitVersion(d.commit);
  out += version === undefined ? kv('Timestamp', timestamp) : kv('Version', `${version} (${timestamp})`);
  out += kv('Commit', d.checksum);
  if (opts.verbose && (d.staged || first)) out += kv('Staged', d.staged ? 'yes' : 'no');
  if (opts.verbose || multipleStateroots) out += kv('StateRoot', d.stateroot);
  if (d.pinned) out += kv('Pinned', 'yes');
  if (d.unlocked !== 'none') out += kv('Unlocked', d.unlocked);
  const eol = commitMetaString(d.commit, 'ostree.endoflife');
  if (eol !== undefined) out += kv('EndOfLife', eol);
  return out;
}

/** One entry of rpm-ostree's `deployments` array (the D-Bus deployment dictionary as JSON). */
export function deploymentJson(d: DeploymentView): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  for (const [key, value] of d.commit?.metadata ?? []) {
    if (key === 'rpmostree.rpmdb.pkglist') continue;
    meta[key] = gvariantToJson(value.type, value.value);
  }
  const out: Record<string, unknown> = {
    id: `${d.stateroot}-${d.checksum}.${d.serial}`,
    osname: d.stateroot,
    checksum: d.checksum,
    serial: d.serial,
    booted: d.booted,
    staged: d.staged,
    pinned: d.pinned,
    unlocked: d.unlocked,
    'base-commit-meta': meta,
  };
  const version = commitVersion(d.commit);
  if (version !== undefined) out.version = version;
  if (d.commit && d.commit.timestamp > 0) out.timestamp = d.commit.timestamp;
  const eol = commitMetaString(d.commit, 'ostree.endoflife');
  if (eol !== undefined) out.endoflife = eol;
  const refspec = originRefspec(d.origin);
  if (refspec !== undefined) {
    out.origin = refspec;
    out['gpg-enabled'] = false;
  }
  if (d.pendingBase) {
    out['pending-base-checksum'] = d.pendingBase.checksum;
    const pv = commitVersion(d.pendingBase.commit);
    if (pv !== undefined) out['pending-base-version'] = pv;
    if (d.pendingBase.commit && d.pendingBase.commit.timestamp > 0) out['pending-base-timestamp'] = d.pendingBase.commit.timestamp;
  }
  for (const key of [
    'requested-packages',
    'requested-modules',
    'modules-enabled',
    'requested-local-packages',
    'requested-local-fileoverride-packages',
    'requested-base-removals',
    'requested-base-local-replacements',
    'packages',
    'base-removals',
    'base-local-replacements',
    'initramfs-etc',
  ]) {
    out[key] = [];
  }
  out['regenerate-initramfs'] = false;
  return out;
}

/** The whole `rpm-ostree status --json` document. */
export function formatStatusJson(deployments: readonly DeploymentView[]): string {
  // Like rpm-ostree, --booted only filters the text output: the document lists every deployment.
  const doc = {
    deployments: deployments.map(deploymentJson),
    transaction: null,
    'cached-update': null,
    'update-driver': null,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
