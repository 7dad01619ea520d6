import { describe, expect, it } from 'vitest';
import type { BootloaderBackend, LoaderEntry } from '../bootloader-backend.js';
import { writeBlsEntry, type BlsEntry } from '../format/bls-entry.js';
import { MemorySysroot, type MemoryTree } from './memory-sysroot.js';

/** How to set a sysroot up for the backend under test. */
export interface BootloaderConformanceOptions {
  /** A sysroot layout on which `isActive` must be true (e.g. the `boot/syslinux/syslinux.cfg` symlink). */
  activeTree: MemoryTree;
  /** Whether `isActive` is true even on an empty sysroot (the BLS-only backend). */
  alwaysActive?: boolean;
  /** The backend's own file for a boot version, besides the entries (undefined for BLS only). */
  configPath?: (bootVersion: 0 | 1) => string;
  /** Whether an entry without `linux` is refused (every backend that writes a boot menu). */
  requiresLinux: boolean;
}

const CSUM = 'a'.repeat(64);

function sampleEntries(): LoaderEntry[] {
  const make = (index: number, count: number): BlsEntry => ({
    title: `Conformance OS 1.${index} (ostree:${index})`,
    version: String(count - index),
    options: `root=/dev/vda2 quiet ostree=/ostree/boot.1/os/${CSUM}/${index}`,
    linux: `/ostree/os-${CSUM}/vmlinuz-6.1.0`,
    initrd: `/ostree/os-${CSUM}/initramfs-6.1.0.img`,
    overlayInitrds: [],
    extra: index === 0 ? [] : [['fdtdir', `/ostree/os-${CSUM}/dtb`]],
  });
  return [
    { filename: 'ostree-2-os.conf', entry: make(0, 2) },
    { filename: 'ostree-1-os.conf', entry: make(1, 2) },
  ];
}

function snapshot(sysroot: MemorySysroot): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, node] of sysroot.nodes) {
    out.set(path, node.type === 'file' ? new TextDecoder().decode(node.data) : node.type === 'symlink' ? `-> ${node.target}` : 'dir');
  }
  return out;
}

/**
 * The conformance suite every bootloader backend runs: detection, where it writes (only under
 * `boot/`, entries byte-identical to `writeBlsEntry`), determinism, input validation,
 * cancellation, and that inputs are not mutated. Call it inside a test file:
 * `testBootloader('syslinux', () => createSyslinuxBackend(), { … })`.
 */
export function testBootloader(
  label: string,
  create: () => BootloaderBackend,
  options: BootloaderConformanceOptions,
): void {
  describe(`bootloader backend conformance: ${label}`, () => {
    const sysroot = () => new MemorySysroot(options.activeTree);

    it('has a name and declares atomicity', () => {
      const backend = create();
      expect(backend.name).toMatch(/^[a-z0-9]+$/);
      expect(typeof backend.isAtomic).toBe('boolean');
    });

    it('detects its own sysroot layout', async () => {
      expect(await create().isActive(sysroot().read)).toBe(true);
      expect(await create().isActive(new MemorySysroot({ 'boot/loader.0/entries/x': '' }).read)).toBe(
        options.alwaysActive ?? false,
      );
    });

    for (const bootVersion of [0, 1] as const) {
      it(`writes the entries and its configuration for boot version ${bootVersion}, only under boot/`, async () => {
        const root = sysroot();
        const before = snapshot(root);
        const entries = sampleEntries();
        await create().writeConfig({ bootVersion, entries, read: root.read, write: root.write });
        for (const { filename, entry } of entries) {
          expect(root.text(`boot/loader.${bootVersion}/entries/${filename}`)).toBe(writeBlsEntry(entry));
        }
        const config = options.configPath?.(bootVersion);
        if (config !== undefined) expect(root.text(config)).toBeTypeOf('string');
        for (const path of root.writes) expect(path.startsWith('boot/')).toBe(true);
        const expected = new Set([
          ...entries.map((e) => `boot/loader.${bootVersion}/entries/${e.filename}`),
          ...(config === undefined ? [] : [config]),
        ]);
        expect(new Set(root.writes)).toEqual(expected);
        // Nothing that existed before was touched except the files the backend writes.
        for (const [path, value] of before) {
          if (!expected.has(path) && root.nodes.get(path)?.type !== 'dir') expect(snapshot(root).get(path)).toBe(value);
        }
      });
    }

    it('is deterministic and does not mutate its input', async () => {
      const entries = sampleEntries();
      const copy = structuredClone(entries);
      const a = sysroot();
      const b = sysroot();
      await create().writeConfig({ bootVersion: 1, entries, read: a.read, write: a.write });
      await create().writeConfig({ bootVersion: 1, entries, read: b.read, write: b.write });
      expect(entries).toEqual(copy);
      expect(snapshot(a)).toEqual(snapshot(b));
    });

    it('accepts an empty entry list', async () => {
      const root = sysroot();
      await create().writeConfig({ bootVersion: 0, entries: [], read: root.read, write: root.write });
      const config = options.configPath?.(0);
      for (const path of root.writes) expect(path.startsWith('boot/loader.0/') || path === config, path).toBe(true);
    });

    it('refuses a bad boot version and hostile entry file names, writing nothing', async () => {
      const root = sysroot();
      await expect(
        create().writeConfig({ bootVersion: 2 as 0, entries: sampleEntries(), read: root.read, write: root.write }),
      ).rejects.toMatchObject({ code: 'InvalidArgument' });
      for (const filename of ['../../etc/passwd.conf', 'a/b.conf', '.hidden.conf', 'entry.txt', '']) {
        const entries = sampleEntries();
        entries[1] = { ...entries[1], filename };
        await expect(create().writeConfig({ bootVersion: 0, entries, read: root.read, write: root.write })).rejects.toMatchObject({
          code: 'InvalidArgument',
        });
      }
      expect(root.writes).toEqual([]);
    });

    it('refuses values with newlines (no injected lines)', async () => {
      const root = sysroot();
      const entries = sampleEntries();
      entries[0].entry.options = 'quiet\nlinux /evil';
      await expect(create().writeConfig({ bootVersion: 0, entries, read: root.read, write: root.write })).rejects.toMatchObject({
        code: 'InvalidArgument',
      });
    });

    it(`${options.requiresLinux ? 'refuses' : 'accepts'} an entry without a kernel`, async () => {
      const root = sysroot();
      const entries = sampleEntries();
      delete entries[0].entry.linux;
      const run = create().writeConfig({ bootVersion: 0, entries, read: root.read, write: root.write });
      if (options.requiresLinux) await expect(run).rejects.toMatchObject({ code: 'InvalidArgument' });
      else await expect(run).resolves.toBeUndefined();
    });

    it('stops when aborted, before writing', async () => {
      const root = sysroot();
      const controller = new AbortController();
      controller.abort();
      await expect(
        create().writeConfig({ bootVersion: 0, entries: sampleEntries(), read: root.read, write: root.write, signal: controller.signal }),
      ).rejects.toMatchObject({ code: 'Aborted' });
      expect(root.writes).toEqual([]);
    });
  });
}
