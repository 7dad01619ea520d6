import { createHash } from 'node:crypto';
import { Command } from 'commander';
import { listRemoteGpgKeys, type GpgPublicKey } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { formatCDate, inLocaleCharset } from './gpg-format.js';
import { openRepo } from './repo-option.js';

const ZBASE32 = 'ybndrfg8ejkmcpqxot1uwisza345h769';

/** z-base-32, as the OpenPGP Web Key Directory hashes local parts. */
function zbase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ZBASE32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ZBASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/** The WKD update URLs GPGME prints for an address (advanced and direct method). */
export function wkdUrls(email: string): { advanced: string; direct: string } | undefined {
  const at = email.lastIndexOf('@');
  if (at <= 0) return undefined;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1).toLowerCase();
  const hash = zbase32(createHash('sha1').update(local.toLowerCase()).digest());
  const l = encodeURIComponent(local);
  return {
    advanced: `https://openpgpkey.${domain}/.well-known/openpgpkey/${domain}/hu/${hash}?l=${l}`,
    direct: `https://${domain}/.well-known/openpgpkey/hu/${hash}?l=${l}`,
  };
}

async function formatKey(key: GpgPublicKey): Promise<string> {
  let out = `Key: ${key.getFingerprint().toUpperCase()}\n  Created: ${formatCDate(key.getCreationTime())}\n`;
  for (const user of key.users) {
    const uid = user.userID;
    if (!uid) continue;
    out += `  UID: ${uid.userID}\n`;
    const urls = uid.email ? wkdUrls(uid.email) : undefined;
    if (urls) out += `  Advanced update URL: ${urls.advanced}\n  Direct update URL: ${urls.direct}\n`;
  }
  for (const sub of key.getSubkeys()) {
    out += `  Subkey: ${sub.getFingerprint().toUpperCase()}\n    Created: ${formatCDate(sub.getCreationTime())}\n`;
  }
  return out;
}

/** `tsostree ostree remote gpg-list-keys` */
export function remoteGpgListKeysCommand(ctx: CliContext): Command {
  return new Command('gpg-list-keys')
    .summary('Show remote GPG keys')
    .description("Show the GPG keys of a remote's keyring, or without NAME the global keys ($OSTREE_GPG_HOME or /usr/share/ostree/trusted.gpg.d).")
    .argument('[name]')
    .option('--repo <path>', 'path to the repository')
    .action(async (name: string | undefined, opts: { repo?: string }) => {
      const repo = await openRepo(ctx, opts.repo);
      const keys = await listRemoteGpgKeys(repo, name, { keysRoot: '/', ...(ctx.env.OSTREE_GPG_HOME ? { gpgHome: ctx.env.OSTREE_GPG_HOME } : {}) });
      for (const key of keys) ctx.stdout(inLocaleCharset(await formatKey(key), ctx.env));
    });
}
