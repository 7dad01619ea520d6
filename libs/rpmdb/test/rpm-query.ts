// Runs the real `rpm -qp --qf` (the oracle of the differential tests) on one package.
import { execFileSync } from 'node:child_process';

export function rpmQuery(path: string, qf: string, extra: string[] = []): string {
  return execFileSync('rpm', ['-qp', '--nosignature', '--nodigest', ...extra, '--qf', qf, path], {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
    maxBuffer: 256 * 1024 * 1024,
  });
}

export function rpmQueryOpt(path: string, options: string[]): string {
  return execFileSync('rpm', ['-qp', '--nosignature', '--nodigest', ...options, path], {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
  });
}
