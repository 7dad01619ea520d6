import { InvalidArgumentError } from '@tsostree/errors';
import type { BlsEntry } from './bls-entry.js';
import { withBootDirectory } from './bls-sort.js';
import { joinLinesOstree, splitLines } from './text.js';

/**
 * The new `syslinux.cfg` (ostree-bootloader-syslinux.c): the lines of the current file are kept
 * except its `DEFAULT` line and the `LABEL` blocks whose `KERNEL` is under `/ostree/` or `/boot/ostree/`; then one
 * block per entry is appended (`LABEL <title>`, tab-indented `KERNEL`, `INITRD`, `DEVICETREE`,
 * `APPEND`), preceded by `DEFAULT <first title>` unless the file had a `DEFAULT` that did not
 * point at an ostree entry. Paths get a `/boot` prefix. Lines are joined like ostree's
 * `_ostree_sysroot_join_lines` (only the first blank line survives).
 */
export function generateSyslinuxConfig(previous: string, entries: readonly BlsEntry[]): string {
  const lines = splitLines(previous);
  const newLines: string[] = [];
  let tmpLines: string[] = [];
  let kernelArg: string | undefined;
  let sawDefault = false;
  let regenerateDefault = false;
  let parsingLabel = false;
  // One more round with line = undefined to finish the last LABEL block, as ostree loops over the NULL terminator.
  for (let i = 0; i <= lines.length; i++) {
    const line = i < lines.length ? lines[i] : undefined;
    let skip = false;
    if (parsingLabel && (line === undefined || !line.startsWith('\t'))) {
      parsingLabel = false;
      if (kernelArg === undefined) {
        throw new InvalidArgumentError('syslinux.cfg: No KERNEL argument found after LABEL');
      }
      if (!kernelArg.startsWith('/ostree/') && !kernelArg.startsWith('/boot/ostree/')) newLines.push(...tmpLines);
      tmpLines = [];
    }
    if (line === undefined) break;
    if (!parsingLabel && line.startsWith('LABEL ')) {
      parsingLabel = true;
      tmpLines = [];
    } else if (parsingLabel && line.startsWith('\tKERNEL ')) {
      kernelArg = line.slice('\tKERNEL '.length);
    } else if (!parsingLabel && line.startsWith('DEFAULT ')) {
      sawDefault = true;
      if (line.startsWith('DEFAULT ostree:') || line.includes('(ostree')) regenerateDefault = true;
      skip = true;
    }
    if (!skip) {
      if (parsingLabel) tmpLines.push(line);
      else newLines.push(line);
    }
  }
  if (!sawDefault) regenerateDefault = true;

  entries.forEach((entry, i) => {
    const title = entry.title ?? '(Untitled)';
    if (regenerateDefault && i === 0) newLines.push(`DEFAULT ${title}`);
    newLines.push(`LABEL ${title}`);
    if (entry.linux === undefined) throw new InvalidArgumentError('No "linux" key in bootloader config');
    newLines.push(`\tKERNEL ${withBootDirectory(entry.linux)}`);
    if (entry.initrd !== undefined) newLines.push(`\tINITRD ${withBootDirectory(entry.initrd)}`);
    if (entry.devicetree !== undefined) newLines.push(`\tDEVICETREE ${withBootDirectory(entry.devicetree)}`);
    if (entry.options !== undefined) newLines.push(`\tAPPEND ${entry.options}`);
  });
  return joinLinesOstree(newLines);
}
