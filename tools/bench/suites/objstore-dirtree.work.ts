import { readFileSync, writeFileSync } from 'node:fs';
import { parseDirTree, serializeDirTree, sha256Hex } from '@tsostree/objstore';

/** Writes a dirtree with `n` files and n/10 directories (realistic names) to `path`. */
export async function writeDirTree(path: string, n: number): Promise<{ units: number }> {
  const csum = (i: number, salt: number): string => sha256Hex(Buffer.from(`${salt}:${i}`));
  const files = Array.from({ length: n }, (_, i) => ({ name: `lib${i.toString(36)}-${'x'.repeat(i % 23)}.so.${i % 7}`, checksum: csum(i, 1) }));
  const dirs = Array.from({ length: Math.floor(n / 10) }, (_, i) => ({ name: `dir-${i}`, treeChecksum: csum(i, 2), metaChecksum: csum(i, 3) }));
  writeFileSync(path, serializeDirTree({ files, dirs }));
  return { units: n };
}

/** Reads and parses the dirtree, then serializes it again `rounds` times; units = entries processed. */
export async function roundTripDirTree(path: string, rounds: number): Promise<{ units: number }> {
  const bytes = new Uint8Array(readFileSync(path));
  let entries = 0;
  for (let r = 0; r < rounds; r++) {
    const tree = parseDirTree(bytes);
    const again = serializeDirTree(tree);
    if (again.length !== bytes.length) throw new Error('round trip changed the size');
    entries += tree.files.length + tree.dirs.length;
  }
  return { units: entries };
}
