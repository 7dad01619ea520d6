/** One line of `ostree admin config-diff`: modified, added or deleted relative to the defaults. */
export interface ConfigDiffEntry {
  kind: 'M' | 'A' | 'D';
  /** Path relative to /etc, without a leading slash. */
  path: string;
}

/**
 * Renders diff entries the way `ostree admin config-diff` prints them: all modified paths, then
 * removed, then added, each as `<letter>    <path>` (ostree-diff.c `ostree_diff_print`).
 */
export function formatConfigDiff(entries: readonly ConfigDiffEntry[]): string {
  const order = { M: 0, D: 1, A: 2 } as const;
  return [...entries]
    .map((e, i) => ({ e, i }))
    .sort((x, y) => order[x.e.kind] - order[y.e.kind] || x.i - y.i)
    .map(({ e }) => `${e.kind}    ${e.path}\n`)
    .join('');
}
