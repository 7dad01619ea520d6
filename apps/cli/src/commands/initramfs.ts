import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { notImplemented } from '../not-implemented.js';

/** `tsostree initramfs` */
export function initramfsCommand(_ctx: CliContext): Command {
  return new Command('initramfs')
    .summary('Enable or disable client-side initramfs regeneration')
    .description('Enable or disable client-side initramfs regeneration.')
    .option('--enable', 'regenerate the initramfs on the client')
    .option('--disable', 'use the initramfs of the base image')
    .option('--arg <arg>', 'extra dracut argument (repeatable)')
    .option('--sysroot <path>', 'operate on this sysroot (default /)')
    .action(notImplemented('initramfs'));
}
