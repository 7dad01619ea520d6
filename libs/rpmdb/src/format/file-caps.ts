/**
 * File capabilities: rpm stores them as text in FILECAPS (`cap_net_raw=ep`, libcap's
 * cap_to_text syntax); the kernel wants the binary `security.capability` xattr (struct
 * vfs_cap_data, revision 2: le32 magic_etc with the effective bit, then permitted and inheritable
 * masks for capabilities 0–31 and 32–63, all little-endian).
 */
import { ParseError } from '@tsostree/errors';

/** Linux capability names, by number. */
export const CAPABILITY_NAMES: readonly string[] = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap', 'linux_immutable',
  'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner', 'sys_module', 'sys_rawio', 'sys_chroot',
  'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice', 'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease',
  'audit_write', 'audit_control', 'setfcap', 'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read',
  'perfmon', 'bpf', 'checkpoint_restore',
];

export interface FileCaps {
  permitted: bigint;
  inheritable: bigint;
  effective: boolean;
}

const VFS_CAP_REVISION_2 = 0x02000000;
const ALL = (1n << BigInt(CAPABILITY_NAMES.length)) - 1n;

function capNumber(name: string, text: string): number {
  const n = name.toLowerCase().replace(/^cap_/, '');
  const i = CAPABILITY_NAMES.indexOf(n);
  if (i >= 0) return i;
  if (/^\d+$/.test(n) && Number(n) < 64) return Number(n);
  throw new ParseError(`file capabilities: unknown capability ${JSON.stringify(name)} in ${JSON.stringify(text)}`);
}

/** Parses libcap's text form (`cap_a,cap_b+ep cap_c=i`, `=ep` for all). */
export function parseCapsText(text: string): FileCaps {
  let p = 0n;
  let i = 0n;
  let e = 0n;
  for (const clause of text.trim().split(/\s+/).filter(Boolean)) {
    const m = /^([^=+-]*)((?:[=+-][eip]*)+)$/i.exec(clause);
    if (!m) throw new ParseError(`file capabilities: cannot parse ${JSON.stringify(clause)}`);
    const list = m[1]!;
    let mask = 0n;
    if (list === '' || list.toLowerCase() === 'all') mask = ALL;
    else for (const name of list.split(',')) mask |= 1n << BigInt(capNumber(name, text));
    for (const [, op, flags] of m[2]!.matchAll(/([=+-])([eip]*)/gi)) {
      if (op === '=') {
        p &= ~mask;
        i &= ~mask;
        e &= ~mask;
      }
      for (const f of flags!.toLowerCase()) {
        const set = op === '-' ? (x: bigint) => x & ~mask : (x: bigint) => x | mask;
        if (f === 'p') p = set(p);
        else if (f === 'i') i = set(i);
        else e = set(e);
      }
    }
  }
  return { permitted: p, inheritable: i, effective: e !== 0n };
}

/** The `security.capability` xattr value for a FILECAPS text. */
export function capsTextToXattr(text: string): Uint8Array {
  const c = parseCapsText(text);
  const out = new Uint8Array(20);
  const v = new DataView(out.buffer);
  v.setUint32(0, VFS_CAP_REVISION_2 | (c.effective ? 1 : 0), true);
  v.setUint32(4, Number(c.permitted & 0xffffffffn), true);
  v.setUint32(8, Number(c.inheritable & 0xffffffffn), true);
  v.setUint32(12, Number((c.permitted >> 32n) & 0xffffffffn), true);
  v.setUint32(16, Number((c.inheritable >> 32n) & 0xffffffffn), true);
  return out;
}
