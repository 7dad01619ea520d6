/**
 * A small static-file HTTP server for pull tests that injects faults on chosen paths: 404, 5xx,
 * truncated bodies, wrong bytes, stalls, slow trickles, connection resets, absurd sizes.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { join, normalize } from 'node:path';

export type Fault = '404' | '500' | '503' | 'truncate' | 'corrupt' | 'substitute' | 'stall' | 'stall-headers' | 'reset' | 'slow' | 'huge';

export interface FaultRule {
  /** Which request paths (relative to the root, no leading slash) the fault applies to. */
  match: (path: string) => boolean;
  fault: Fault;
  /** For `substitute`: the path whose (valid, but different) bytes are served instead. */
  substitute?: string;
  /** How many matching requests get the fault (default: all). */
  times?: number;
}

export interface FaultServer {
  url: string;
  /** Every request path, in order. */
  requests: string[];
  /** Faults actually injected, as `fault path`. */
  injected: string[];
  rules: FaultRule[];
  stop(): Promise<void>;
}

export async function startFaultServer(root: string, rules: FaultRule[] = []): Promise<FaultServer> {
  const sockets = new Set<Socket>();
  const state: FaultServer = { url: '', requests: [], injected: [], rules, stop: async () => undefined };
  const counts = new Map<FaultRule, number>();

  const pick = (path: string): FaultRule | undefined => {
    for (const r of state.rules) {
      if (!r.match(path)) continue;
      const used = counts.get(r) ?? 0;
      if (r.times !== undefined && used >= r.times) continue;
      counts.set(r, used + 1);
      return r;
    }
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!).replace(/^\/+/, '');
    state.requests.push(path);
    const rule = pick(path);
    if (rule) state.injected.push(`${rule.fault} ${path}`);
    const fault = rule?.fault;
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault === 'stall-headers') return; // never answers
    if (fault === '404') {
      res.writeHead(404).end('not found');
      return;
    }
    if (fault === '500' || fault === '503') {
      res.writeHead(Number(fault)).end('server error');
      return;
    }
    const file = normalize(join(root, path));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    let body: Buffer;
    try {
      body = await readFile(fault === 'substitute' ? normalize(join(root, rule!.substitute!)) : file);
    } catch {
      res.writeHead(404).end('not found');
      return;
    }
    if (fault === 'huge') {
      res.writeHead(200, { 'content-length': String(200 * 1024 * 1024) });
      res.write(body.subarray(0, 1));
      setTimeout(() => req.socket.destroy(), 50);
      return;
    }
    res.writeHead(200, { 'content-length': String(body.length) });
    if (fault === 'truncate') {
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      setTimeout(() => req.socket.destroy(), 10);
      return;
    }
    if (fault === 'stall') {
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      return; // the rest never comes
    }
    if (fault === 'corrupt') {
      const copy = Buffer.from(body);
      copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 0xff;
      res.end(copy);
      return;
    }
    if (fault === 'slow') {
      const step = Math.max(1, Math.ceil(body.length / 5));
      for (let off = 0; off < body.length; off += step) {
        res.write(body.subarray(off, off + step));
        await new Promise((r) => setTimeout(r, 40));
      }
      res.end();
      return;
    }
    res.end(body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  state.stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}
