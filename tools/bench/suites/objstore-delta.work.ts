// Work functions for the static-delta benchmark, run in a fresh process by `timeOurs`.
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Repo, applyStaticDeltaOffline, generateStaticDelta } from '@tsostree/objstore';

/**
 * Turns the generated OS-like tree into its "next version": every 25th file gets a few bytes
 * changed in place (a rebuilt binary), every 90th grows by a small append, every 70th gets 16
 * bytes inserted a third of the way in (everything after it shifts, as in a relinked binary),
 * every 150th is deleted, and 300 new files appear. Deterministic (by walk order).
 */
export async function mutateTree(root: string): Promise<{ units: number }> {
  const files: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) files.push(p);
    }
  };
  await walk(root);
  let changed = 0;
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    if (i % 150 === 7) {
      await rm(f);
      changed++;
    } else if (i % 25 === 3) {
      const b = await readFile(f);
      for (let k = 0; k < 4; k++) b[Math.floor((b.length * (k + 1)) / 5)] ^= 0x5a;
      await writeFile(f, b);
      changed++;
    } else if (i % 70 === 11) {
      const b = await readFile(f);
      const at = Math.floor(b.length / 3);
      await writeFile(f, Buffer.concat([b.subarray(0, at), Buffer.from(`inserted ${i}`.padEnd(16, '.')), b.subarray(at)]));
      changed++;
    } else if (i % 90 === 5) {
      const b = await readFile(f);
      await writeFile(f, Buffer.concat([b, Buffer.from(`appended ${i}\n`)]));
      changed++;
    }
  }
  for (let i = 0; i < 300; i++) {
    await writeFile(join(root, 'usr/bin', `new-tool-${i}`), Buffer.concat([Buffer.from(`#!/bin/sh\n# new ${i}\n`), randomBytes(2000 + i * 10)]));
    changed++;
  }
  return { units: changed };
}

/** `ostree static-delta generate`, our way, into `filename`; units = delta bytes (superblock + parts + fallbacks). */
export async function generate(repoPath: string, from: string | null, to: string, filename: string, minFallbackSize: number): Promise<{ units: number }> {
  const r = await generateStaticDelta(await Repo.open(repoPath), { from, to, filename, minFallbackSize });
  return { units: r.totalSize };
}

/** `ostree static-delta apply-offline`, our way; units = objects written. */
export async function apply(repoPath: string, dir: string): Promise<{ units: number }> {
  const r = await applyStaticDeltaOffline(await Repo.open(repoPath), dir);
  return { units: r.objectsWritten };
}

/** Bytes of a delta directory's files. */
export async function dirBytes(dir: string): Promise<number> {
  let n = 0;
  for (const f of await readdir(dir)) n += (await stat(join(dir, f))).size;
  return n;
}
