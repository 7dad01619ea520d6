import {
  createFsSysrootPorts,
  generateGrub2MenuEntries,
  KernelArgs,
  parseBlsEntry,
  readLoaderEntries,
  writeBlsEntry,
} from '@tsostree/bootloader';

/** What `ostree admin instutil grub2-generate` does: read boot/loader.<bv>/entries, print menu entries. */
export async function grub2Generate(sysroot: string, bootVersion: 0 | 1, deviceId: string, prepareRoot: string): Promise<{ units: number; bytes: number }> {
  const { read } = createFsSysrootPorts(sysroot);
  const entries = await readLoaderEntries(read, bootVersion);
  const out = generateGrub2MenuEntries(
    entries.map((e) => e.entry),
    { bootDeviceId: deviceId, prepareRootCache: prepareRoot },
  );
  process.stderr.write(out.slice(0, 0));
  return { units: entries.length, bytes: out.length };
}

/** Parses and re-writes one real entry `count` times (BLS format throughput). */
export async function blsRoundTrip(entryText: string, count: number): Promise<{ units: number }> {
  let total = 0;
  for (let i = 0; i < count; i++) total += writeBlsEntry(parseBlsEntry(entryText)).length;
  if (total !== entryText.length * count) throw new Error('round trip changed the entry');
  return { units: count };
}

/** Parses an options line, applies the edits `rpm-ostree kargs` offers, prints it, `count` times. */
export async function kargsEdits(options: string, count: number): Promise<{ units: number }> {
  for (let i = 0; i < count; i++) {
    KernelArgs.parse(options)
      .append('console=ttyS0,115200n8')
      .appendIfMissing('quiet')
      .replace('rw')
      .deleteIfPresent('rhgb')
      .toString();
  }
  return { units: count };
}
