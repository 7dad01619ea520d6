// The whole command tree of `tsostree`: rpm-ostree's verbs at the top level, ostree's under
// `tsostree ostree`. One file per verb under commands/; groups are declared here. A verb's module
// (and the packages it needs: objstore, sysroot, compose…) is imported only when the verb runs, so
// `tsostree ostree refs` does not load the compose pipeline; its name is therefore written here too
// (a test checks it against the command the module builds).
import type { Command } from 'commander';
import type { CliContext } from './context.js';

/** Builds one verb's command; the context is where it writes. */
export type CommandFactory = (ctx: CliContext) => Command;

/** One verb: its name, and the import of the module that builds it. */
export interface CommandVerb {
  verb: string;
  load: () => Promise<CommandFactory>;
}

/** A named group of verbs, such as `tsostree ostree admin`. */
export interface CommandGroup {
  group: string;
  summary: string;
  commands: CommandEntry[];
}

export type CommandEntry = CommandVerb | CommandGroup;

function verb(name: string, load: () => Promise<CommandFactory>): CommandVerb {
  return { verb: name, load };
}

export const COMMAND_TREE: CommandEntry[] = [
  verb('status', async () => (await import('./commands/status.js')).statusCommand),
  verb('upgrade', async () => (await import('./commands/upgrade.js')).upgradeCommand),
  verb('deploy', async () => (await import('./commands/deploy.js')).deployCommand),
  verb('rebase', async () => (await import('./commands/rebase.js')).rebaseCommand),
  verb('rollback', async () => (await import('./commands/rollback.js')).rollbackCommand),
  verb('install', async () => (await import('./commands/install.js')).installCommand),
  verb('uninstall', async () => (await import('./commands/uninstall.js')).uninstallCommand),
  verb('kargs', async () => (await import('./commands/kargs.js')).kargsCommand),
  verb('initramfs', async () => (await import('./commands/initramfs.js')).initramfsCommand),
  verb('cleanup', async () => (await import('./commands/cleanup.js')).cleanupCommand),
  { group: 'override', summary: 'Manage base package overrides', commands: [verb('replace', async () => (await import('./commands/override-replace.js')).overrideReplaceCommand), verb('remove', async () => (await import('./commands/override-remove.js')).overrideRemoveCommand), verb('reset', async () => (await import('./commands/override-reset.js')).overrideResetCommand)] },
  { group: 'db', summary: 'Query the package databases of commits', commands: [verb('diff', async () => (await import('./commands/db-diff.js')).dbDiffCommand), verb('list', async () => (await import('./commands/db-list.js')).dbListCommand), verb('version', async () => (await import('./commands/db-version.js')).dbVersionCommand)] },
  { group: 'compose', summary: 'Build trees from RPM repositories (server side)', commands: [verb('tree', async () => (await import('./commands/compose-tree.js')).composeTreeCommand)] },
  {
    group: 'ostree',
    summary: "ostree's low-level repository and sysroot commands",
    commands: [
      verb('init', async () => (await import('./commands/ostree/init.js')).initCommand),
      verb('commit', async () => (await import('./commands/ostree/commit.js')).commitCommand),
      verb('checkout', async () => (await import('./commands/ostree/checkout.js')).checkoutCommand),
      verb('log', async () => (await import('./commands/ostree/log.js')).logCommand),
      verb('show', async () => (await import('./commands/ostree/show.js')).showCommand),
      verb('ls', async () => (await import('./commands/ostree/ls.js')).lsCommand),
      verb('cat', async () => (await import('./commands/ostree/cat.js')).catCommand),
      verb('rev-parse', async () => (await import('./commands/ostree/rev-parse.js')).revParseCommand),
      verb('refs', async () => (await import('./commands/ostree/refs.js')).refsCommand),
      verb('diff', async () => (await import('./commands/ostree/diff.js')).diffCommand),
      verb('fsck', async () => (await import('./commands/ostree/fsck.js')).fsckCommand),
      verb('prune', async () => (await import('./commands/ostree/prune.js')).pruneCommand),
      verb('summary', async () => (await import('./commands/ostree/summary.js')).summaryCommand),
      verb('pull', async () => (await import('./commands/ostree/pull.js')).pullCommand),
      verb('pull-local', async () => (await import('./commands/ostree/pull-local.js')).pullLocalCommand),
      verb('sign', async () => (await import('./commands/ostree/sign.js')).signCommand),
      verb('gpg-sign', async () => (await import('./commands/ostree/gpg-sign.js')).gpgSignCommand),
      { group: 'remote', summary: 'Manage remotes', commands: [verb('add', async () => (await import('./commands/ostree/remote-add.js')).remoteAddCommand), verb('list', async () => (await import('./commands/ostree/remote-list.js')).remoteListCommand), verb('delete', async () => (await import('./commands/ostree/remote-delete.js')).remoteDeleteCommand), verb('show-url', async () => (await import('./commands/ostree/remote-show-url.js')).remoteShowUrlCommand), verb('gpg-import', async () => (await import('./commands/ostree/remote-gpg-import.js')).remoteGpgImportCommand), verb('gpg-list-keys', async () => (await import('./commands/ostree/remote-gpg-list-keys.js')).remoteGpgListKeysCommand)] },
      {
        group: 'static-delta',
        summary: 'Manage static deltas',
        commands: [verb('generate', async () => (await import('./commands/ostree/static-delta-generate.js')).staticDeltaGenerateCommand), verb('list', async () => (await import('./commands/ostree/static-delta-list.js')).staticDeltaListCommand), verb('show', async () => (await import('./commands/ostree/static-delta-show.js')).staticDeltaShowCommand), verb('apply-offline', async () => (await import('./commands/ostree/static-delta-apply-offline.js')).staticDeltaApplyOfflineCommand)],
      },
      {
        group: 'admin',
        summary: 'Manage the sysroot and its deployments',
        commands: [
          verb('init-fs', async () => (await import('./commands/ostree/admin/init-fs.js')).adminInitFsCommand),
          verb('os-init', async () => (await import('./commands/ostree/admin/os-init.js')).adminOsInitCommand),
          verb('stateroot-init', async () => (await import('./commands/ostree/admin/stateroot-init.js')).adminStaterootInitCommand),
          verb('deploy', async () => (await import('./commands/ostree/admin/deploy.js')).adminDeployCommand),
          verb('status', async () => (await import('./commands/ostree/admin/status.js')).adminStatusCommand),
          verb('undeploy', async () => (await import('./commands/ostree/admin/undeploy.js')).adminUndeployCommand),
          verb('set-default', async () => (await import('./commands/ostree/admin/set-default.js')).adminSetDefaultCommand),
          verb('pin', async () => (await import('./commands/ostree/admin/pin.js')).adminPinCommand),
          verb('cleanup', async () => (await import('./commands/ostree/admin/cleanup.js')).adminCleanupCommand),
          verb('finalize-staged', async () => (await import('./commands/ostree/admin/finalize-staged.js')).adminFinalizeStagedCommand),
          verb('config-diff', async () => (await import('./commands/ostree/admin/config-diff.js')).adminConfigDiffCommand),
          verb('upgrade', async () => (await import('./commands/ostree/admin/upgrade.js')).adminUpgradeCommand),
          { group: 'kargs', summary: 'Change kernel arguments', commands: [verb('edit-in-place', async () => (await import('./commands/ostree/admin/kargs-edit-in-place.js')).adminKargsEditInPlaceCommand)] },
        ],
      },
    ],
  },
];
