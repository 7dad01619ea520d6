// `ostree admin status` text, line for line as ostree prints it.
import { commitMetaString, commitVersion, type DeploymentView } from '../../deployment-view.js';

export function formatAdminStatus(deployments: readonly DeploymentView[]): string {
  if (deployments.length === 0) return 'No deployments.\n';
  let out = '';
  for (const d of deployments) {
    const state = d.staged ? ' (staged)' : d.pending ? ' (pending)' : d.rollback ? ' (rollback)' : '';
    out += `${d.booted ? '*' : ' '} ${d.stateroot} ${d.checksum}.${d.serial}${state}\n`;
    const version = commitVersion(d.commit);
    if (version !== undefined) out += `    Version: ${version}\n`;
    if (d.unlocked !== 'none') out += `    Unlocked: ${d.unlocked}\n`;
    if (d.pinned) out += '    Pinned: yes\n';
    if (!d.origin) {
      out += '    origin: none\n';
    } else {
      const refspec = d.origin.getString('origin', 'refspec');
      out += refspec === undefined ? '    origin: <unknown origin type>\n' : `    origin refspec: ${refspec}\n`;
      const title = commitMetaString(d.commit, 'ostree.source-title');
      if (title !== undefined) out += `    \`- ${title}\n`;
    }
  }
  return out;
}
