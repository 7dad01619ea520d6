import { diff3Merge } from 'node-diff3';

/** Outcome of a line-based three-way merge. */
export type TextMergeResult = { clean: true; merged: Uint8Array } | { clean: false };

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes bytes as text, or undefined when they are binary (NUL bytes or invalid UTF-8). */
export function asText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Splits text into lines that keep their `\n`, so joining them restores the text exactly. */
function lines(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\n)/);
}

/**
 * Three-way merge of text files, line by line (diff3): `base` is the old default, `local` the
 * locally edited file, `next` the new default. Changes on one side only are taken; the same change
 * on both sides is taken once; different changes to the same lines are a conflict. Binary input is
 * never merged (reported as a conflict).
 */
export function mergeText(base: Uint8Array, local: Uint8Array, next: Uint8Array): TextMergeResult {
  const [o, a, b] = [asText(base), asText(local), asText(next)];
  if (o === undefined || a === undefined || b === undefined) return { clean: false };
  const regions = diff3Merge(lines(a), lines(o), lines(b), { excludeFalseConflicts: true });
  const out: string[] = [];
  for (const r of regions) {
    if (r.conflict) return { clean: false };
    if (r.ok) out.push(...r.ok);
  }
  return { clean: true, merged: new TextEncoder().encode(out.join('')) };
}
