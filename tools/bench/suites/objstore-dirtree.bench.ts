// The hottest metadata path of commit, checkout, fsck and diff: parsing and writing dirtrees.
// Ours: parse + re-serialize a 100,000-file dirtree (plus 10,000 subdirectories) several times.
// Reference: GLib itself (python3-gi) deserializing the same bytes and walking every entry
// (name + checksum), which is what ostree does in C; python adds per-entry interpreter overhead,
// so read the ratio as an upper bound of GLib's cost, not an exact peer.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { BenchSuite } from '../harness.js';

const FILES = 100_000;
const ROUNDS = 5;

const GLIB_WALK = `
import sys
from gi.repository import GLib
data = open(sys.argv[1], 'rb').read()
n = 0
for _ in range(int(sys.argv[2])):
    v = GLib.Variant.new_from_bytes(GLib.VariantType.new('(a(say)a(sayay))'), GLib.Bytes.new(data), False)
    for k in range(2):
        arr = v.get_child_value(k)
        for i in range(arr.n_children()):
            e = arr.get_child_value(i)
            e.get_child_value(0).get_string()
            bytes(e.get_child_value(1).get_data_as_bytes().get_data()).hex()
            n += 1
print(n)
`;

const suite: BenchSuite = {
  name: 'objstore dirtree parse+serialize (ours) vs GLib walk (python3-gi)',
  unavailable: () => {
    try {
      execFileSync('/usr/bin/python3', ['-c', 'from gi.repository import GLib'], { stdio: 'ignore' });
      return undefined;
    } catch {
      return 'python3-gi is not installed';
    }
  },
  async run({ workDir, timeCommand, timeOurs }) {
    const work = join(import.meta.dirname, 'objstore-dirtree.work.ts');
    const file = join(workDir, 'big.dirtree');
    await timeOurs(work, 'writeDirTree', [file, FILES]);
    const ours = await timeOurs(work, 'roundTripDirTree', [file, ROUNDS]);
    const reference = await timeCommand('/usr/bin/python3', ['-c', GLIB_WALK, file, String(ROUNDS)]);
    return [
      {
        name: `${FILES + FILES / 10} entries x ${ROUNDS} (ours: parse + serialize; GLib: parse only)`,
        ours,
        reference: { ...reference, units: (FILES + FILES / 10) * ROUNDS, tool: 'GLib via python3-gi' },
        unit: 'entries',
      },
    ];
  },
};

export default suite;
