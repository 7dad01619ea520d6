import { Command } from 'commander';
import { InvalidArgumentError } from '@tsostree/errors';
import { pullRemote, type PullProgress, type PullResult } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { collect, openRepo } from './repo-option.js';

function intOption(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`invalid ${name} ${JSON.stringify(value)}`);
  return n;
}

/** `--http-header=NAME=VALUE` options as a header map (ostree refuses a value without `=`). */
function httpHeaders(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`Missing '=' in --http-header`);
    const name = v.slice(0, eq);
    const value = v.slice(eq + 1);
    // An HTTP token for the name, no control characters in the value: nothing can smuggle a header or a request.
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new InvalidArgumentError(`Invalid header name in --http-header: ${JSON.stringify(name)}`);
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) throw new InvalidArgumentError(`Invalid header value in --http-header ${name}: control characters`);
    out[name] = value;
  }
  return out;
}

/** The closing line, in the words of `ostree pull`. */
export function pullSummaryLine(result: PullResult, seconds: number, verb = 'fetched'): string {
  const kib = Math.round(result.bytesTransferred / 1024);
  const transferred = result.bytesTransferred > 0 ? `; ${kib} KiB transferred in ${Math.round(seconds)} seconds` : '';
  if (result.staticDeltas) {
    return `${result.staticDeltaParts ?? 0} delta parts, ${result.metadataFetched + result.contentFetched} loose fetched${transferred}\n`;
  }
  return `${result.metadataFetched} metadata, ${result.contentFetched} content objects ${verb}${transferred}\n`;
}

/** A progress renderer: one rewritten line on a terminal, nothing otherwise (like ostree). */
export function progressPrinter(ctx: CliContext): ((e: PullProgress) => void) | undefined {
  if (!ctx.isTTY) return undefined;
  return (e) => {
    const kib = Math.round(e.bytesTransferred / 1024);
    ctx.stdout(`\r\x1b[KReceiving objects: ${e.metadataFetched + e.contentFetched}/${e.requested + e.metadataFetched} ${kib} KiB`);
  };
}

/** `tsostree ostree pull` */
export function pullCommand(ctx: CliContext): Command {
  return new Command('pull')
    .summary('Download data from a remote repository')
    .description('Download data from a remote repository.')
    .argument('<remote>', 'REMOTE or REMOTE:BRANCH')
    .argument('[refs...]')
    .option('--repo <path>', 'path to the repository')
    .option('--depth <n>', 'traverse N parents (-1 = all)')
    .option('--commit-metadata-only', 'fetch only commit objects')
    .option('--mirror', 'write refs as a mirror (refs/heads), copy the summary')
    .option('--subpath <path>', 'only this sub-directory (repeatable)', collect)
    .option('--disable-static-deltas', 'do not use static deltas')
    .option('--require-static-deltas', 'fail unless static deltas bring the commits in')
    .option('--disable-fsync', 'do not invoke fsync()')
    .option('--http-header <NAME=VALUE>', 'add an HTTP header to every request (repeatable)', collect)
    .option('--url <url>', 'pull from this URL instead of the remote\'s')
    .option('--network-retries <n>', 'retries per object (default 5)')
    .option('--concurrency <n>', 'requests in flight (default 16)')
    .action(
      async (
        remoteArg: string,
        refs: string[],
        opts: {
          repo?: string;
          depth?: string;
          commitMetadataOnly?: boolean;
          mirror?: boolean;
          subpath?: string[];
          disableStaticDeltas?: boolean;
          disableFsync?: boolean;
          requireStaticDeltas?: boolean;
          httpHeader?: string[];
          url?: string;
          networkRetries?: string;
          concurrency?: string;
        },
      ) => {
        let remote = remoteArg;
        const wanted = [...refs];
        const colon = remoteArg.indexOf(':');
        if (colon >= 0) {
          remote = remoteArg.slice(0, colon);
          wanted.unshift(remoteArg.slice(colon + 1));
        }
        const repo = await openRepo(ctx, opts.repo);
        if (opts.disableFsync) repo.disableFsync = true;
        const started = Date.now();
        const onProgress = progressPrinter(ctx);
        const result = await pullRemote(repo, remote, {
          refs: wanted,
          depth: intOption('--depth', opts.depth, -1),
          commitMetadataOnly: opts.commitMetadataOnly === true,
          mirror: opts.mirror === true,
          subpaths: opts.subpath,
          url: opts.url,
          retries: intOption('--network-retries', opts.networkRetries, 0),
          concurrency: intOption('--concurrency', opts.concurrency, 1),
          staticDeltas: opts.disableStaticDeltas !== true,
          requireStaticDeltas: opts.requireStaticDeltas === true,
          ...(opts.httpHeader ? { httpHeaders: httpHeaders(opts.httpHeader) } : {}),
          // Like ostree: the system-wide trusted/revoked key places of the running system;
          // $OSTREE_GPG_HOME replaces the global keyring directory.
          signatureOptions: { keysRoot: '/', ...(ctx.env.OSTREE_GPG_HOME ? { gpgHome: ctx.env.OSTREE_GPG_HOME } : {}) },
          ...(onProgress ? { onProgress } : {}),
        });
        if (onProgress) ctx.stdout('\r\x1b[K');
        ctx.stdout(pullSummaryLine(result, (Date.now() - started) / 1000));
      },
    );
}
