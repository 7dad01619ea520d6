import { Command } from 'commander';
import { InvalidArgumentError } from '@tsostree/errors';
import { commitParent, generateStaticDelta, listStaticDeltas, resolveCommit, staticDeltaName } from '@tsostree/objstore';
import type { CliContext } from '../../context.js';
import { cliPath, openRepo } from './repo-option.js';

function megabytes(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name}: not a number of megabytes: ${JSON.stringify(v)}`);
    return Number(v);
  };
}

/** `tsostree ostree static-delta generate [TO]` */
export function staticDeltaGenerateCommand(ctx: CliContext): Command {
  return new Command('generate')
    .summary('Generate a static delta')
    .description(
      'Generate a static delta (ostree superblock + xz parts) from --from (default: the parent of --to) or from scratch ' +
        '(--empty) to --to. Files modified in place are bsdiff patches; big new files become fallback objects.',
    )
    .argument('[to]')
    .option('--repo <path>', 'path to the repository')
    .option('--from <rev>', 'create delta from revision REV')
    .option('--to <rev>', 'create delta to revision REV')
    .option('--empty', 'create delta from scratch')
    .option('--inline', 'inline delta parts into the superblock')
    .option('--disable-bsdiff', 'disable use of bsdiff')
    .option('-n, --if-not-exists', 'only generate if the delta does not already exist')
    .option('--set-endianness <endian>', "metadata endianness ('l' or 'B')")
    .option('--swap-endianness', 'swap metadata endianness from host order')
    .option('--min-fallback-size <mb>', 'minimum uncompressed size in megabytes for individual HTTP request', megabytes('--min-fallback-size'))
    .option('--max-bsdiff-size <mb>', 'maximum size in megabytes to consider bsdiff for input files', megabytes('--max-bsdiff-size'))
    .option('--max-chunk-size <mb>', 'maximum size of delta chunks in megabytes', megabytes('--max-chunk-size'))
    .option('--filename <path>', 'write the superblock to PATH (parts next to it) instead of the repository')
    .action(
      async (
        toArg: string | undefined,
        opts: {
          repo?: string;
          from?: string;
          to?: string;
          empty?: boolean;
          inline?: boolean;
          disableBsdiff?: boolean;
          ifNotExists?: boolean;
          setEndianness?: string;
          swapEndianness?: boolean;
          minFallbackSize?: number;
          maxBsdiffSize?: number;
          maxChunkSize?: number;
          filename?: string;
        },
      ) => {
        const repo = await openRepo(ctx, opts.repo);
        const toRev = opts.to ?? toArg;
        if (toRev === undefined) throw new InvalidArgumentError('TO revision must be specified');
        if (opts.empty && opts.from !== undefined) throw new InvalidArgumentError('Cannot specify both --empty and --from=REV');
        const to = await resolveCommit(repo, toRev);
        let from: string | null = null;
        if (opts.from !== undefined) from = await resolveCommit(repo, opts.from);
        else if (!opts.empty) {
          from = (await commitParent(repo, to)) ?? null;
          if (from === null) throw new InvalidArgumentError(`Commit ${to} has no parent`);
        }
        let endianness: 'little' | 'big' = 'little';
        if (opts.setEndianness !== undefined) {
          if (opts.setEndianness === 'l') endianness = 'little';
          else if (opts.setEndianness === 'B') endianness = 'big';
          else throw new InvalidArgumentError(`Invalid endianness '${opts.setEndianness}'`);
        } else if (opts.swapEndianness) endianness = 'big';
        const name = staticDeltaName(from, to);
        if (opts.ifNotExists && (await listStaticDeltas(repo)).some((d) => d.name === name)) {
          ctx.stdout(`Delta ${name} already exists.\n`);
          return;
        }
        ctx.stdout(`Generating static delta:\n  From: ${from ?? 'empty'}\n  To:   ${to}\n`);
        await generateStaticDelta(repo, {
          from,
          to,
          inline: opts.inline === true,
          bsdiff: opts.disableBsdiff !== true,
          endianness,
          ...(opts.minFallbackSize !== undefined ? { minFallbackSize: opts.minFallbackSize * 1_000_000 } : {}),
          ...(opts.maxBsdiffSize !== undefined ? { maxBsdiffSize: opts.maxBsdiffSize * 1_000_000 } : {}),
          ...(opts.maxChunkSize !== undefined ? { maxChunkSize: Math.max(1, opts.maxChunkSize) * 1_000_000 } : {}),
          ...(opts.filename !== undefined ? { filename: cliPath(ctx, opts.filename) } : {}),
        });
      },
    );
}
