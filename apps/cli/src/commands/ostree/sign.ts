import { Command } from 'commander';
import { InvalidArgumentError, UnsupportedError } from '@tsostree/errors';
import {
  decodeBase64Lenient,
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SECRET_KEY_BYTES,
  ED25519_SIGN_TYPE,
  ed25519DeleteCommitSignatures,
  ed25519KeyBaseDirs,
  ed25519SignCommit,
  ed25519VerifyCommit,
  readEd25519SecretKeyFile,
  type Ed25519VerifyKeys,
} from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { cliPath, openRepo } from './repo-option.js';

interface SignOpts {
  repo?: string;
  delete?: boolean;
  verify?: boolean;
  signType?: string;
  keysFile?: string;
  keysDir?: string;
}

/** A KEY argument: base64 of exactly `size` bytes (ostree: "Invalid KEY '…'"). */
function keyArg(key: string, size: number): string {
  if (decodeBase64Lenient(key).length !== size) throw new InvalidArgumentError(`Invalid KEY '${key}'`);
  return key;
}

/** `tsostree ostree sign` */
export function signCommand(ctx: CliContext): Command {
  return new Command('sign')
    .summary('Sign a commit with ed25519')
    .description(
      'Sign a commit with ed25519 (KEY = base64 of the 64-byte secret key), or with --verify check it ' +
        '(KEY = base64 public key; without keys: trusted.ed25519(.d) in /etc/ostree and /usr/share/ostree, or --keys-dir).',
    )
    .argument('<commit>')
    .argument('[keys...]')
    .option('--repo <path>', 'path to the repository')
    .option('-d, --delete', 'delete signatures made by any of the KEYs')
    .option('--verify', 'verify signatures')
    .option('-s, --sign-type <type>', "signature type to use (defaults to 'ed25519')")
    .option('--keys-file <file>', 'read key(s) from this file, one base64 key per line')
    .option('--keys-dir <dir>', 'base directory holding trusted.ed25519(.d) and revoked.ed25519(.d)')
    .action(async (commit: string, keys: string[], opts: SignOpts) => {
      const type = opts.signType ?? ED25519_SIGN_TYPE;
      if (type !== ED25519_SIGN_TYPE) throw new UnsupportedError(`Requested signature type is not implemented: ${type}`, { data: { type } });
      const repo = await openRepo(ctx, opts.repo);
      const keysFile = opts.keysFile === undefined ? undefined : cliPath(ctx, opts.keysFile);
      if (opts.verify) {
        const verifyKeys: Ed25519VerifyKeys = {
          publicKeys: keys.map((k) => keyArg(k, ED25519_PUBLIC_KEY_BYTES)),
          ...(keysFile !== undefined ? { keysFile } : {}),
          keysDirs: opts.keysDir !== undefined ? [cliPath(ctx, opts.keysDir)] : ed25519KeyBaseDirs('/'),
        };
        const result = await ed25519VerifyCommit(repo, commit, verifyKeys);
        ctx.stdout(`${result.message}\n`);
        return;
      }
      if (opts.delete) {
        if (keys.length === 0) throw new InvalidArgumentError('Need at least one KEY-ID to delete signatures of');
        const n = await ed25519DeleteCommitSignatures(repo, commit, keys);
        ctx.stdout(`Signatures deleted: ${n}\n`);
        return;
      }
      const secret: string[] = keys.map((k) => keyArg(k, ED25519_SECRET_KEY_BYTES));
      const fromFile = keysFile !== undefined ? await readEd25519SecretKeyFile(keysFile) : [];
      if (secret.length === 0 && fromFile.length === 0) throw new InvalidArgumentError('Need at least one KEY-ID to sign with');
      await ed25519SignCommit(repo, commit, [...secret, ...fromFile]);
    });
}
