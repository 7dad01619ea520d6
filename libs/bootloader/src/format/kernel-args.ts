import { ConflictError, InvalidArgumentError, NotFoundError } from '@tsostree/errors';

/** One kernel argument: `key` or `key=value` (`value` is null for a bare key, `""` for `key=`). */
export interface KernelArg {
  key: string;
  value: string | null;
}

/**
 * Splits a command line into arguments the way ostree does: on single spaces, except spaces
 * inside double quotes (`foo="a b"` stays one argument, quotes included). Runs of spaces give
 * empty arguments, as `g_strsplit` does, so that `parse(s).toString() === s` for every string.
 * An empty string has no arguments.
 */
export function splitKernelArgs(cmdline: string): string[] {
  if (cmdline === '') return [];
  if (!cmdline.includes('"')) return cmdline.split(' ');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of cmdline) {
    if (ch === '"') quoted = !quoted;
    if (ch === ' ' && !quoted) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  out.push(cur);
  return out;
}

/** Splits one argument at its first `=` (ostree's `split_keyeq`). */
export function parseKernelArg(arg: string): KernelArg {
  const eq = arg.indexOf('=');
  return eq === -1 ? { key: arg, value: null } : { key: arg.slice(0, eq), value: arg.slice(eq + 1) };
}

/** `key` or `key=value`. */
export function formatKernelArg(arg: KernelArg): string {
  return arg.value === null ? arg.key : `${arg.key}=${arg.value}`;
}

/**
 * Builds `key=value` for a value that may contain spaces, double-quoting the value when it does
 * (`formatQuotedKernelArg('foo', 'a b')` → `foo="a b"`). Values with double quotes or newlines
 * cannot be expressed on a kernel command line and are refused.
 */
export function formatQuotedKernelArg(key: string, value: string | null): string {
  if (key === '' || /[\s="]/.test(key)) throw new InvalidArgumentError(`invalid kernel argument key ${JSON.stringify(key)}`);
  if (value === null) return key;
  if (/["\n\r\0]/.test(value)) {
    throw new InvalidArgumentError(`kernel argument value for "${key}" cannot contain quotes or newlines`);
  }
  return /[ \t]/.test(value) ? `${key}="${value}"` : `${key}=${value}`;
}

/** Removes one pair of surrounding double quotes from a value (`"a b"` → `a b`). */
export function unquoteKernelArgValue(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

/** Prefixes `ostree admin deploy --karg-proc-cmdline` drops from /proc/cmdline. */
export const PROC_CMDLINE_FILTERED_PREFIXES = ['BOOT_IMAGE=', 'initrd='] as const;

/**
 * An ordered multimap of kernel arguments with ostree's semantics (ostree-kernel-args.c):
 * arguments keep their order, a key may repeat, and every edit (`append`, `replace`,
 * `newReplace`, `delete`, `appendIfMissing`, `deleteIfPresent`) behaves like the ostree function of
 * the same name, so `ostree admin deploy --karg*`, `ostree admin kargs edit-in-place` and
 * `rpm-ostree kargs` can all be built on it.
 */
export class KernelArgs {
  #args: KernelArg[] = [];

  /** Parses a command line (an entry's `options`); see {@link splitKernelArgs}. */
  static parse(cmdline: string | undefined | null): KernelArgs {
    const k = new KernelArgs();
    if (cmdline) k.appendArgv(splitKernelArgs(cmdline));
    return k;
  }

  /** A copy. */
  clone(): KernelArgs {
    const k = new KernelArgs();
    k.#args = this.#args.map((a) => ({ ...a }));
    return k;
  }

  /** The arguments in order. */
  entries(): KernelArg[] {
    return this.#args.map((a) => ({ ...a }));
  }

  /** Every argument as `key` or `key=value`, in order (`ostree_kernel_args_to_strv`). */
  toArray(): string[] {
    return this.#args.map(formatKernelArg);
  }

  /** The command line: arguments joined by single spaces (`ostree_kernel_args_to_string`). */
  toString(): string {
    return this.toArray().join(' ');
  }

  /** Whether an argument with this key exists; `arg` may be `key` or `key=value` (only the key counts). */
  contains(arg: string): boolean {
    const { key } = parseKernelArg(arg);
    return this.#args.some((a) => a.key === key);
  }

  /** Values of `key` in order (null for bare occurrences). */
  getValues(key: string): Array<string | null> {
    return this.#args.filter((a) => a.key === key).map((a) => a.value);
  }

  /** The last value of `key`; undefined if absent, null if the last occurrence is bare. */
  getLastValue(key: string): string | null | undefined {
    for (let i = this.#args.length - 1; i >= 0; i--) if (this.#args[i].key === key) return this.#args[i].value;
    return undefined;
  }

  /**
   * Appends an argument even if its key exists (`--karg-append`, `rpm-ostree kargs --append`).
   * An `arg` with unquoted spaces is several arguments, appended in order.
   */
  append(arg: string): this {
    for (const one of splitKernelArgs(arg)) this.#args.push(parseKernelArg(one));
    if (arg === '') this.#args.push({ key: '', value: null });
    return this;
  }

  /** {@link append} for each argument. */
  appendArgv(argv: readonly string[]): this {
    for (const arg of argv) this.#args.push(parseKernelArg(arg));
    return this;
  }

  /** Appends unless an argument with the same key exists (`--append-if-missing`). */
  appendIfMissing(arg: string): this {
    if (!this.contains(arg)) this.append(arg);
    return this;
  }

  /**
   * Sets a key to exactly this one argument (`--karg`, `ostree_kernel_args_replace`): every
   * existing occurrence of the key is removed and the new argument takes the position of the
   * first one; a new key is appended.
   */
  replace(arg: string): this {
    const next = parseKernelArg(arg);
    const first = this.#args.findIndex((a) => a.key === next.key);
    if (first === -1) {
      this.#args.push(next);
      return this;
    }
    const kept: KernelArg[] = [];
    this.#args.forEach((a, i) => {
      if (i === first) kept.push(next);
      else if (a.key !== next.key) kept.push(a);
    });
    this.#args = kept;
    return this;
  }

  /** {@link replace} for each argument (`ostree_kernel_args_replace_argv`). */
  replaceArgv(argv: readonly string[]): this {
    for (const arg of argv) this.replace(arg);
    return this;
  }

  /**
   * `rpm-ostree kargs --replace` (`ostree_kernel_args_new_replace`): `key=old=new` changes the
   * first `key=old` to `key=new`; `key=new` (or bare `key`) changes the value of a key that has
   * exactly one value. Throws NotFound for a missing key or old value, Conflict when a key has
   * several values and no old value was named.
   */
  newReplace(arg: string): this {
    const { key, value } = parseKernelArg(arg);
    const positions = this.#positions(key);
    if (positions.length === 0) throw new NotFoundError(`No key '${key}' found`, { data: { key } });
    if (value !== null && value.includes('=')) {
      const { key: oldValue, value: newValue } = parseKernelArg(value);
      const at = positions.find((i) => this.#args[i].value === oldValue);
      if (at === undefined) throw new NotFoundError(`No karg '${key}=${oldValue}' found`, { data: { key } });
      this.#args[at] = { key, value: newValue };
      return this;
    }
    if (positions.length > 1) throw new ConflictError(`Multiple values for key '${key}' found`, { data: { key } });
    this.#args[positions[0]] = { key, value };
    return this;
  }

  /**
   * `--karg-delete` / `rpm-ostree kargs --delete` (`ostree_kernel_args_delete`): `key` removes a
   * key that has one value; `key=value` removes that one occurrence. Throws NotFound when
   * nothing matches and Conflict when a bare key has several values.
   */
  delete(arg: string): this {
    const { key, value } = parseKernelArg(arg);
    const positions = this.#positions(key);
    if (positions.length === 0) throw new NotFoundError(`No key '${key}' found`, { data: { key } });
    if (positions.length === 1) {
      const only = this.#args[positions[0]];
      if (value !== null && value !== only.value) {
        throw new NotFoundError(`No karg '${key}=${value}' found`, { data: { key } });
      }
      this.#args.splice(positions[0], 1);
      return this;
    }
    const at = positions.find((i) => this.#args[i].value === value);
    if (at === undefined) {
      if (value === null) throw new ConflictError(`Multiple values for key '${arg}' found`, { data: { key } });
      throw new NotFoundError(`No karg '${arg}' found`, { data: { key } });
    }
    this.#args.splice(at, 1);
    return this;
  }

  /** Removes every occurrence of `key`; NotFound if there is none (`ostree_kernel_args_delete_key_entry`). */
  deleteKey(key: string): this {
    if (this.#positions(key).length === 0) throw new NotFoundError(`No key '${key}' found`, { data: { key } });
    this.#args = this.#args.filter((a) => a.key !== key);
    return this;
  }

  /** {@link delete} when the key exists, nothing otherwise (`--delete-if-present`). */
  deleteIfPresent(arg: string): this {
    if (this.contains(arg)) this.delete(arg);
    return this;
  }

  /**
   * Appends the arguments of a `/proc/cmdline` (`--karg-proc-cmdline`): trailing whitespace is
   * trimmed, and `BOOT_IMAGE=` and `initrd=` arguments (added by GRUB and systemd-boot) are dropped.
   */
  appendProcCmdline(procCmdline: string): this {
    const trimmed = procCmdline.replace(/[\t\n\v\f\r ]+$/, '');
    for (const arg of splitKernelArgs(trimmed)) {
      if (PROC_CMDLINE_FILTERED_PREFIXES.some((p) => arg.startsWith(p))) continue;
      this.#args.push(parseKernelArg(arg));
    }
    return this;
  }

  #positions(key: string): number[] {
    const out: number[] = [];
    this.#args.forEach((a, i) => {
      if (a.key === key) out.push(i);
    });
    return out;
  }
}
