// The whole command tree of `tsostree`: rpm-ostree's verbs at the top level, ostree's under
// `tsostree ostree`. One file per verb under commands/; groups are declared here.
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { statusCommand } from './commands/status.js';
import { upgradeCommand } from './commands/upgrade.js';
import { deployCommand } from './commands/deploy.js';
import { rebaseCommand } from './commands/rebase.js';
import { rollbackCommand } from './commands/rollback.js';
import { installCommand } from './commands/install.js';
import { uninstallCommand } from './commands/uninstall.js';
import { kargsCommand } from './commands/kargs.js';
import { initramfsCommand } from './commands/initramfs.js';
import { cleanupCommand } from './commands/cleanup.js';
import { overrideReplaceCommand } from './commands/override-replace.js';
import { overrideRemoveCommand } from './commands/override-remove.js';
import { overrideResetCommand } from './commands/override-reset.js';
import { dbDiffCommand } from './commands/db-diff.js';
import { dbListCommand } from './commands/db-list.js';
import { dbVersionCommand } from './commands/db-version.js';
import { composeTreeCommand } from './commands/compose-tree.js';
import { initCommand } from './commands/ostree/init.js';
import { commitCommand } from './commands/ostree/commit.js';
import { checkoutCommand } from './commands/ostree/checkout.js';
import { logCommand } from './commands/ostree/log.js';
import { showCommand } from './commands/ostree/show.js';
import { lsCommand } from './commands/ostree/ls.js';
import { catCommand } from './commands/ostree/cat.js';
import { revParseCommand } from './commands/ostree/rev-parse.js';
import { refsCommand } from './commands/ostree/refs.js';
import { diffCommand } from './commands/ostree/diff.js';
import { fsckCommand } from './commands/ostree/fsck.js';
import { pruneCommand } from './commands/ostree/prune.js';
import { summaryCommand } from './commands/ostree/summary.js';
import { pullCommand } from './commands/ostree/pull.js';
import { pullLocalCommand } from './commands/ostree/pull-local.js';
import { signCommand } from './commands/ostree/sign.js';
import { gpgSignCommand } from './commands/ostree/gpg-sign.js';
import { remoteAddCommand } from './commands/ostree/remote-add.js';
import { remoteListCommand } from './commands/ostree/remote-list.js';
import { remoteDeleteCommand } from './commands/ostree/remote-delete.js';
import { remoteShowUrlCommand } from './commands/ostree/remote-show-url.js';
import { remoteGpgImportCommand } from './commands/ostree/remote-gpg-import.js';
import { remoteGpgListKeysCommand } from './commands/ostree/remote-gpg-list-keys.js';
import { staticDeltaGenerateCommand } from './commands/ostree/static-delta-generate.js';
import { staticDeltaListCommand } from './commands/ostree/static-delta-list.js';
import { staticDeltaShowCommand } from './commands/ostree/static-delta-show.js';
import { staticDeltaApplyOfflineCommand } from './commands/ostree/static-delta-apply-offline.js';
import { adminInitFsCommand } from './commands/ostree/admin/init-fs.js';
import { adminOsInitCommand } from './commands/ostree/admin/os-init.js';
import { adminStaterootInitCommand } from './commands/ostree/admin/stateroot-init.js';
import { adminDeployCommand } from './commands/ostree/admin/deploy.js';
import { adminStatusCommand } from './commands/ostree/admin/status.js';
import { adminUndeployCommand } from './commands/ostree/admin/undeploy.js';
import { adminSetDefaultCommand } from './commands/ostree/admin/set-default.js';
import { adminPinCommand } from './commands/ostree/admin/pin.js';
import { adminCleanupCommand } from './commands/ostree/admin/cleanup.js';
import { adminFinalizeStagedCommand } from './commands/ostree/admin/finalize-staged.js';
import { adminConfigDiffCommand } from './commands/ostree/admin/config-diff.js';
import { adminUpgradeCommand } from './commands/ostree/admin/upgrade.js';
import { adminKargsEditInPlaceCommand } from './commands/ostree/admin/kargs-edit-in-place.js';

/** Builds one verb's command; the context is where it writes. */
export type CommandFactory = (ctx: CliContext) => Command;

/** A named group of verbs, such as `tsostree ostree admin`. */
export interface CommandGroup {
  group: string;
  summary: string;
  commands: CommandEntry[];
}

export type CommandEntry = CommandFactory | CommandGroup;

export const COMMAND_TREE: CommandEntry[] = [
  statusCommand,
  upgradeCommand,
  deployCommand,
  rebaseCommand,
  rollbackCommand,
  installCommand,
  uninstallCommand,
  kargsCommand,
  initramfsCommand,
  cleanupCommand,
  { group: 'override', summary: 'Manage base package overrides', commands: [overrideReplaceCommand, overrideRemoveCommand, overrideResetCommand] },
  { group: 'db', summary: 'Query the package databases of commits', commands: [dbDiffCommand, dbListCommand, dbVersionCommand] },
  { group: 'compose', summary: 'Build trees from RPM repositories (server side)', commands: [composeTreeCommand] },
  {
    group: 'ostree',
    summary: "ostree's low-level repository and sysroot commands",
    commands: [
      initCommand,
      commitCommand,
      checkoutCommand,
      logCommand,
      showCommand,
      lsCommand,
      catCommand,
      revParseCommand,
      refsCommand,
      diffCommand,
      fsckCommand,
      pruneCommand,
      summaryCommand,
      pullCommand,
      pullLocalCommand,
      signCommand,
      gpgSignCommand,
      { group: 'remote', summary: 'Manage remotes', commands: [remoteAddCommand, remoteListCommand, remoteDeleteCommand, remoteShowUrlCommand, remoteGpgImportCommand, remoteGpgListKeysCommand] },
      {
        group: 'static-delta',
        summary: 'Manage static deltas',
        commands: [staticDeltaGenerateCommand, staticDeltaListCommand, staticDeltaShowCommand, staticDeltaApplyOfflineCommand],
      },
      {
        group: 'admin',
        summary: 'Manage the sysroot and its deployments',
        commands: [
          adminInitFsCommand,
          adminOsInitCommand,
          adminStaterootInitCommand,
          adminDeployCommand,
          adminStatusCommand,
          adminUndeployCommand,
          adminSetDefaultCommand,
          adminPinCommand,
          adminCleanupCommand,
          adminFinalizeStagedCommand,
          adminConfigDiffCommand,
          adminUpgradeCommand,
          { group: 'kargs', summary: 'Change kernel arguments', commands: [adminKargsEditInPlaceCommand] },
        ],
      },
    ],
  },
];
