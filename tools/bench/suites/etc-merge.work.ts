import { diffEtc, mergeEtc } from '@tsostree/etc-merge';

/** One /etc merge; the units are the files and directories of the live /etc that were compared. */
export async function mergeOnce(orig: string, modified: string, next: string, units: number): Promise<{ units: number }> {
  const report = await mergeEtc({ orig, modified, next });
  if (report.modified.length === 0) throw new Error('benchmark merge found no changes');
  return { units };
}

/** What `ostree admin config-diff` computes. */
export async function diffOnce(orig: string, modified: string, units: number): Promise<{ units: number }> {
  const entries = await diffEtc({ orig, modified });
  if (entries.length === 0) throw new Error('benchmark diff found no changes');
  return { units };
}
