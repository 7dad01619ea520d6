/**
 * GLib's `g_shell_unquote`: removes single quotes (literal), double quotes (where a backslash
 * escapes only `$`, backquote, `"`, `\` and newline) and unquoted backslashes. Returns null
 * where GLib fails (an unmatched quote, a trailing backslash).
 */
export function shellUnquote(text: string): string | null {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') {
      if (i + 1 >= text.length) return null;
      if (text[i + 1] !== '\n') out += text[i + 1];
      i += 2;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) return null;
      out += text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i += 1;
      let closed = false;
      while (i < text.length) {
        const d = text[i];
        if (d === '"') {
          closed = true;
          i += 1;
          break;
        }
        if (d === '\\' && i + 1 < text.length && '"\\`$\n'.includes(text[i + 1])) {
          if (text[i + 1] !== '\n') out += text[i + 1];
          i += 2;
          continue;
        }
        out += d;
        i += 1;
      }
      if (!closed) return null;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

/**
 * Parses an os-release file the way ostree does when it titles boot entries
 * (ostree-sysroot-deploy.c `parse_os_release`): `#` lines and lines without `=` are skipped,
 * values are shell-unquoted (lines whose value does not unquote are skipped), and a later
 * key wins.
 */
export function parseOsRelease(contents: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of contents.split('\n')) {
    if (line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq === -1) continue;
    const value = shellUnquote(line.slice(eq + 1));
    if (value === null) continue;
    out.set(line.slice(0, eq), value);
  }
  return out;
}
