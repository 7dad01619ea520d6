/**
 * Serves a directory over HTTP with the real nginx (installed by tools/setup.sh): a temporary
 * config on a free loopback port, run as a non-daemon child process, stopped by `stop()`.
 * Shared by the pull tests and the pull benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NginxServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** Bytes nginx sent (response bodies and headers), summed from its access log. */
  bytesSent(): number;
  /** Paths requested so far (from the access log), in order. */
  requestedPaths(): string[];
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function waitListening(port: number, child: ChildProcess, logs: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (child.exitCode !== null) {
        let err = '';
        try {
          err = readFileSync(join(logs, 'error.log'), 'utf8');
        } catch {
          // no log
        }
        reject(new Error(`nginx exited with ${child.exitCode}: ${err}`));
        return;
      }
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() - started > timeoutMs) reject(new Error(`nginx did not listen on ${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** Starts nginx serving `root` read-only on 127.0.0.1. nginx must be installed (setup installs it). */
export async function startNginx(root: string): Promise<NginxServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tsostree-nginx-'));
  mkdirSync(join(dir, 'tmp'));
  for (let tries = 0; ; tries++) {
    const port = await freePort();
    const conf = `
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log ${dir}/access.log combined;
  log_format bytes '$bytes_sent';
  log_format paths '$uri';
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 60s;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    access_log ${dir}/bytes.log bytes;
    access_log ${dir}/paths.log paths;
    location / { autoindex off; }
  }
}
`;
    writeFileSync(join(dir, 'nginx.conf'), conf);
    const child = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'ignore' });
    const spawnError = new Promise<never>((_, reject) => child.once('error', (e) => reject(new Error(`cannot start nginx: ${e.message}`))));
    try {
      await Promise.race([waitListening(port, child, dir), spawnError]);
    } catch (error) {
      child.kill('SIGKILL');
      if (tries < 3 && /Address already in use|bind\(\)/.test((error as Error).message)) continue;
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      bytesSent(): number {
        let text = '';
        try {
          text = readFileSync(join(dir, 'bytes.log'), 'utf8');
        } catch {
          return 0;
        }
        return text.split('\n').reduce((a, l) => a + (Number(l) || 0), 0);
      },
      requestedPaths(): string[] {
        let text = '';
        try {
          text = readFileSync(join(dir, 'paths.log'), 'utf8');
        } catch {
          return [];
        }
        return text.split('\n').filter((l) => l !== '');
      },
      stop: () =>
        new Promise<void>((resolve) => {
          const done = (): void => {
            rmSync(dir, { recursive: true, force: true });
            resolve();
          };
          if (child.exitCode !== null) {
            done();
            return;
          }
          child.once('exit', done);
          child.kill('SIGQUIT');
          setTimeout(() => child.kill('SIGKILL'), 3000).unref();
        }),
    };
  }
}
