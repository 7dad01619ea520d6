// Helpers for compose tests: temp layouts (ostree repo + treefile + .repo), the real ostree/rpm/gpg tools.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C.UTF-8', ...env } });
}

export interface Layout {
  dir: string;
  repo: string;
  cachedir: string;
  treefile: string;
  cleanup(): void;
}

/** An archive ostree repo made by the real `ostree init`, a treefile and a `.repo` file. */
export function makeLayout(treefile: string, repoFile: string, mode = 'archive'): Layout {
  const dir = mkdtempSync(join(tmpdir(), 'tsostree-compose-'));
  const repo = join(dir, 'repo');
  run('ostree', ['init', `--mode=${mode}`, `--repo=${repo}`]);
  mkdirSync(join(dir, 'config'));
  const tf = join(dir, 'config', 'tree.yaml');
  writeFileSync(tf, treefile);
  writeFileSync(join(dir, 'config', 'test.repo'), repoFile);
  return { dir, repo, cachedir: join(dir, 'cache'), treefile: tf, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function repoFile(id: string, baseurl: string, extra = ''): string {
  return `[${id}]\nname=${id}\nbaseurl=${baseurl}\ngpgcheck=0\n${extra}`;
}

export interface SigningKey {
  home: string;
  email: string;
  publicKeyArmored: string;
}

/** An RSA signing key made by the real gpg in a temporary GNUPGHOME. */
export function makeSigningKey(email: string): SigningKey {
  const home = mkdtempSync(join(tmpdir(), 'gpg-'));
  const env = { GNUPGHOME: home };
  run('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', `test <${email}>`, 'rsa2048', 'sign', 'never'], env);
  return { home, email, publicKeyArmored: run('gpg', ['--export', '--armor', email], env) };
}

/** Signs RPMs in place with the real rpmsign. */
export function signRpms(paths: string[], key: SigningKey): void {
  run(
    'rpmsign',
    ['--define', `_gpg_name ${key.email}`, '--define', `_gpg_path ${key.home}`, '--define', '__gpg /usr/bin/gpg', '--addsign', ...paths],
    { GNUPGHOME: key.home },
  );
}

export interface ServedRequest {
  path: string;
  range?: string;
}

/** A tiny static HTTP server over `dir` with `Range: bytes=N-` support, recording every request. */
export async function serveDirectory(dir: string): Promise<{ url: string; requests: ServedRequest[]; close(): Promise<void> }> {
  const { createServer } = await import('node:http');
  const { readFile } = await import('node:fs/promises');
  const requests: ServedRequest[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push({ path, range: req.headers.range });
    if (path.includes('..')) {
      res.writeHead(400).end();
      return;
    }
    readFile(join(dir, path)).then(
      (bytes) => {
        const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
        if (m && Number(m[1]) < bytes.length) {
          const start = Number(m[1]);
          res.writeHead(206, { 'content-length': bytes.length - start, 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` });
          res.end(bytes.subarray(start));
        } else {
          res.writeHead(200, { 'content-length': bytes.length });
          res.end(bytes);
        }
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
