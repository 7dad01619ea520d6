/**
 * Runs GLib (through python3-gi, installed by tools/setup.sh) as the reference implementation for
 * GVariant differential tests. One python process per batch: requests go in as JSON lines.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Json } from './gvariant-json.js';

const SCRIPT = fileURLToPath(new URL('./glib-gvariant.py', import.meta.url));
/** Debian's python3 (python3-gi lives in its dist-packages), not whatever python3 is first on PATH. */
const PYTHON = '/usr/bin/python3';

export type GlibRequest =
  | { op: 'build'; type: string; value: Json }
  | { op: 'parse'; type: string; bytes: string }
  | { op: 'print'; type: string; value: Json }
  | { op: 'parse-text'; text: string; type?: string };

export type GlibAnswer = { bytes: string } | { normal: boolean; value: Json } | { annotated: string; plain: string } | { type: string; value: Json } | { error: string };

export function askGlib(requests: GlibRequest[]): GlibAnswer[] {
  const input = requests.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const res = spawnSync(PYTHON, [SCRIPT], { input, maxBuffer: 1 << 30, encoding: 'utf8' });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`GLib peer failed (status ${res.status}): ${res.stderr}`);
  const lines = res.stdout.split('\n').filter((l) => l.length > 0);
  if (lines.length !== requests.length) throw new Error(`GLib peer answered ${lines.length} of ${requests.length}`);
  return lines.map((l) => JSON.parse(l) as GlibAnswer);
}
