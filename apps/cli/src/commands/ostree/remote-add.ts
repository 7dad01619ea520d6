import { Command } from 'commander';
import { InvalidArgumentError, UnsupportedError } from '@tsostree/errors';
import { addRemote, SIGN_TYPES } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { importKeysForRemote } from './remote-gpg-import.js';
import { collect, openRepo } from './repo-option.js';
import { openSysroot } from '../sysroot-option.js';

/** `--sign-verify=KEYTYPE=inline:KEY|file:PATH` → the option it sets and the type (ostree's add_verify_opt). */
function signVerifyOption(spec: string): { key: string; value: string; type: string } {
  const eq = spec.indexOf('=');
  if (eq < 0) throw new InvalidArgumentError(`Failed to parse KEYTYPE=[inline|file]:DATA in ${spec}`);
  const type = spec.slice(0, eq);
  if (!(SIGN_TYPES as readonly string[]).includes(type)) throw new UnsupportedError(`Requested signature type is not implemented: ${type}`, { data: { type } });
  const rest = spec.slice(eq + 1);
  const colon = rest.indexOf(':');
  const ref = colon < 0 ? rest : rest.slice(0, colon);
  if (ref !== 'inline' && ref !== 'file') throw new InvalidArgumentError(`Invalid key reference ${ref}, expected inline|file`);
  if (colon < 0) throw new InvalidArgumentError(`Failed to parse KEYTYPE=[inline|file]:DATA in ${spec}`);
  return { key: `verification-${type}-${ref === 'inline' ? 'key' : 'file'}`, value: rest.slice(colon + 1), type };
}

/** `tsostree ostree remote add` */
export function remoteAddCommand(ctx: CliContext): Command {
  return new Command('add')
    .summary('Add a remote')
    .description('Add a remote.')
    .argument('<name>')
    .argument('<url>')
    .argument('[branches...]')
    .option('--repo <path>', 'path to the repository')
    .option('--sysroot <path>', "use the sysroot's repository (overrides --repo); on a deployment root the remote goes to etc/ostree/remotes.d")
    .option('--set <k=v>', 'set an option (repeatable)', collect)
    .option('--no-gpg-verify', 'disable GPG verification')
    .option('--sign-verify <spec>', 'verify signatures using KEYTYPE=inline:PUBKEY or KEYTYPE=file:/path/to/key (repeatable)', collect)
    .option('--no-sign-verify', 'disable signature verification (GPG too)')
    .option('--gpg-import <file>', 'import GPG keys from FILE into the remote keyring')
    .option('--if-not-exists', 'do nothing if it exists')
    .option('--force', 'replace the remote if it exists')
    .action(
      async (
        name: string,
        url: string,
        branches: string[],
        opts: {
          repo?: string;
          sysroot?: string;
          set?: string[];
          gpgVerify: boolean;
          signVerify?: boolean | string[];
          gpgImport?: string;
          ifNotExists?: boolean;
          force?: boolean;
        },
      ) => {
        const options: Record<string, string> = {};
        for (const kv of opts.set ?? []) {
          const eq = kv.indexOf('=');
          if (eq <= 0) throw new InvalidArgumentError(`--set expects KEY=VALUE, got ${JSON.stringify(kv)}`);
          options[kv.slice(0, eq)] = kv.slice(eq + 1);
        }
        // ostree's order: --set options, gpg-verify=false, sign-verify=false | verification-*, sign-verify=TYPES
        const noSignVerify = opts.signVerify === false;
        if (opts.gpgVerify === false || noSignVerify) options['gpg-verify'] = 'false';
        const specs = Array.isArray(opts.signVerify) ? opts.signVerify : [];
        if (noSignVerify) options['sign-verify'] = 'false';
        const types: string[] = [];
        for (const spec of specs) {
          const o = signVerifyOption(spec);
          options[o.key] = o.value;
          types.push(o.type);
        }
        if (types.length > 0) options['sign-verify'] = types.join(',');
        const repo = opts.sysroot !== undefined ? await (await openSysroot(ctx, opts.sysroot)).repo() : await openRepo(ctx, opts.repo);
        await addRemote(repo, name, url, { branches, options, ifNotExists: opts.ifNotExists === true, replace: opts.force === true });
        if (opts.gpgImport !== undefined) await importKeysForRemote(ctx, repo, name, [opts.gpgImport], []);
      },
    );
}
