import { InvalidArgumentError } from '@tsostree/errors';

/**
 * Which package architectures a machine of a given base architecture may install, best first,
 * the way rpm/libsolv's arch policy orders them (`noarch` always last).
 */
const COMPATIBLE: Readonly<Record<string, readonly string[]>> = {
  x86_64: ['x86_64'],
  x86_64_v2: ['x86_64_v2', 'x86_64'],
  x86_64_v3: ['x86_64_v3', 'x86_64_v2', 'x86_64'],
  i686: ['i686', 'i586', 'i486', 'i386'],
  aarch64: ['aarch64'],
  ppc64le: ['ppc64le'],
  s390x: ['s390x'],
  riscv64: ['riscv64'],
};

/** Multilib: 32-bit arches an x86_64 machine accepts when multilib is allowed. */
const MULTILIB: Readonly<Record<string, readonly string[]>> = {
  x86_64: ['i686', 'i586', 'i486', 'i386'],
};

export interface ArchPolicyOptions {
  /** Also accept the multilib (32-bit) architectures, e.g. i686 on x86_64. */
  multilib?: boolean;
}

/** The installable architectures for `baseArch`, most preferred first. */
export function compatibleArches(baseArch: string, options: ArchPolicyOptions = {}): string[] {
  const own = COMPATIBLE[baseArch];
  if (!own) {
    throw new InvalidArgumentError(`unknown architecture: ${baseArch}`, { data: { arch: baseArch } });
  }
  const extra = options.multilib ? (MULTILIB[baseArch] ?? []) : [];
  return [...own, ...extra, 'noarch'];
}

/** True if a package built for `packageArch` may be installed on `baseArch`. */
export function isArchCompatible(packageArch: string, baseArch: string, options: ArchPolicyOptions = {}): boolean {
  return compatibleArches(baseArch, options).includes(packageArch);
}
