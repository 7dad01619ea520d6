import { Command } from 'commander';
import { InvalidArgumentError, UnsupportedError } from '@tsostree/errors';
import {
  ED25519_SIGN_TYPE,
  Ed25519SecretKey,
  Variant,
  commitDirectory,
  ed25519SignCommit,
  gpgSignCommit,
  parseGVariantText,
  type TreeSource,
} from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { gpgSecretKeysFromHomedir } from './gpg-homedir.js';
import { parseTimestamp } from './ostree-format.js';
import { cliPath, collect, openRepo } from './repo-option.js';

interface CommitOpts {
  repo?: string;
  branch?: string;
  orphan?: boolean;
  subject?: string;
  body?: string;
  tree?: string[];
  addMetadataString?: string[];
  addMetadata?: string[];
  tarAutocreateParents?: boolean;
  addDetachedMetadataString?: string[];
  timestamp?: string;
  ownerUid?: string;
  ownerGid?: string;
  canonicalPermissions?: boolean;
  skipIfUnchanged?: boolean;
  parent?: string;
  xattrs: boolean;
  bindings: boolean;
  gpgSign?: string[];
  gpgHomedir?: string;
  sign?: string[];
  signType?: string;
}

function parseId(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`invalid ${what} ${JSON.stringify(text)}`);
  return Number(text);
}

function splitKeyValue(kv: string): [string, string] {
  const eq = kv.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`Missing '=' in KEY=VALUE metadata '${kv}'`);
  return [kv.slice(0, eq), kv.slice(eq + 1)];
}

function stringEntry(kv: string): [string, Variant] {
  const [key, value] = splitKeyValue(kv);
  return [key, new Variant('s', value)];
}

/** `tsostree ostree commit` */
export function commitCommand(ctx: CliContext): Command {
  return new Command('commit')
    .summary('Commit a new revision')
    .description('Commit a new revision.')
    .argument('[path]')
    .option('--repo <path>', 'path to the repository')
    .option('-b, --branch <ref>', 'branch')
    .option('--orphan', 'create a commit without a branch')
    .option('-s, --subject <text>', 'one-line subject')
    .option('-m, --body <text>', 'full description')
    .option('--tree <spec>', 'dir=PATH, ref=REV or tar=FILE (repeatable)', collect)
    .option('--tar-autocreate-parents', 'when importing tar archives, create missing parent directories')
    .option('--add-metadata-string <k=v>', 'metadata string (repeatable)', collect)
    .option('--add-metadata <k=v>', 'metadata value in GVariant text format (repeatable)', collect)
    .option('--add-detached-metadata-string <k=v>', 'detached metadata string (repeatable)', collect)
    .option('--timestamp <time>', 'override the timestamp')
    .option('--owner-uid <uid>', 'set the owner of every file')
    .option('--owner-gid <gid>', 'set the group of every file')
    .option('--canonical-permissions', 'canonicalize permissions like bare-user-only')
    .option('--no-xattrs', 'do not import extended attributes')
    .option('--no-bindings', 'do not add ostree.ref-binding metadata')
    .option('--skip-if-unchanged', 'do not commit if the tree is unchanged')
    .option('--parent <commit>', 'parent commit (none for no parent)')
    .option('--gpg-sign <keyid>', 'GPG key ID to sign the commit with (repeatable)', collect)
    .option('--gpg-homedir <dir>', 'GPG homedir to use when looking for keyrings')
    .option('--sign <key>', 'sign the commit with this key (repeatable)', collect)
    .option('--sign-type <type>', "signature type to use (defaults to 'ed25519')")
    .action(async (path: string | undefined, opts: CommitOpts) => {
      if (!opts.branch && !opts.orphan) {
        throw new InvalidArgumentError('A branch must be specified with --branch, or use --orphan');
      }
      const trees: TreeSource[] = [];
      for (const spec of opts.tree ?? []) {
        const eq = spec.indexOf('=');
        const kind = spec.slice(0, eq);
        const value = spec.slice(eq + 1);
        if (kind === 'dir') trees.push({ dir: cliPath(ctx, value) });
        else if (kind === 'ref') trees.push({ ref: value });
        else if (kind === 'tar') trees.push({ tar: cliPath(ctx, value) });
        else throw new InvalidArgumentError(`Invalid --tree argument ${JSON.stringify(spec)}: expected dir=PATH, ref=REV or tar=FILE`);
      }
      if (path !== undefined) trees.unshift({ dir: cliPath(ctx, path) });
      if (trees.length === 0) trees.push({ dir: ctx.cwd });
      // Like ostree: every --add-metadata-string first, then every --add-metadata, each in order.
      const metadata: [string, Variant][] = [
        ...(opts.addMetadataString ?? []).map((kv) => stringEntry(kv)),
        ...(opts.addMetadata ?? []).map((kv) => {
          const [key, text] = splitKeyValue(kv);
          try {
            const parsed = parseGVariantText(text);
            return [key, new Variant(parsed.type, parsed.value)] as [string, Variant];
          } catch (error) {
            throw new InvalidArgumentError(`Parsing ${kv}: ${(error as Error).message}`, { cause: error });
          }
        }),
      ];
      const detachedMetadata = (opts.addDetachedMetadataString ?? []).map((kv) => stringEntry(kv));
      const repo = await openRepo(ctx, opts.repo);
      // Keys are loaded before anything is written; the commit is signed before its branch moves.
      const gpgKeys = opts.gpgSign?.length ? await gpgSecretKeysFromHomedir(ctx, opts.gpgHomedir, opts.gpgSign) : [];
      if (opts.sign?.length && (opts.signType ?? ED25519_SIGN_TYPE) !== ED25519_SIGN_TYPE) {
        throw new UnsupportedError(`Requested signature type is not implemented: ${opts.signType}`, { data: { type: opts.signType } });
      }
      const edKeys = (opts.sign ?? []).map((k) => Ed25519SecretKey.from(k));
      const beforeRefUpdate = async (checksum: string): Promise<void> => {
        if (edKeys.length > 0) await ed25519SignCommit(repo, checksum, edKeys);
        if (gpgKeys.length > 0) await gpgSignCommit(repo, checksum, gpgKeys);
      };
      const ownerUid = parseId(opts.ownerUid, 'uid');
      const ownerGid = parseId(opts.ownerGid, 'gid');
      const result = await commitDirectory(repo, undefined, {
        trees,
        metadata,
        ...(detachedMetadata.length > 0 ? { detachedMetadata } : {}),
        ...(opts.branch ? { branch: opts.branch } : {}),
        ...(opts.subject !== undefined ? { subject: opts.subject } : {}),
        ...(opts.body !== undefined ? { body: opts.body } : {}),
        ...(opts.timestamp !== undefined ? { timestamp: parseTimestamp(opts.timestamp) } : {}),
        ...(ownerUid !== undefined ? { ownerUid } : {}),
        ...(ownerGid !== undefined ? { ownerGid } : {}),
        ...(opts.parent !== undefined ? { parent: opts.parent === 'none' ? null : opts.parent } : {}),
        canonicalPermissions: opts.canonicalPermissions === true,
        tarAutocreateParents: opts.tarAutocreateParents === true,
        skipIfUnchanged: opts.skipIfUnchanged === true,
        noXattrs: opts.xattrs === false,
        noBindings: opts.bindings === false,
        ...(gpgKeys.length > 0 || edKeys.length > 0 ? { beforeRefUpdate } : {}),
      });
      ctx.stdout(`${result.checksum}\n`);
    });
}
