import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { xzCompress, xzDecompress } from './delta-xz.js';
import { NATIVE_XZ_PATH, nativeXz } from './xz-native.js';

const MiB = 1024 * 1024;

/** The `xz` CLI: compress with `args`, or `-d` to decompress. */
function xzCli(input: Uint8Array, args: string[]): Buffer {
  return execFileSync('xz', ['-c', '-T1', ...args], { input, maxBuffer: 512 * MiB });
}

type Outcome = { ok: string } | { code: unknown; message: string; data: unknown; cause?: { name?: unknown; code?: unknown } };

/** Bytes as `length:sha256` (vitest compares and prints large Buffers very slowly). */
function digest(bytes: Uint8Array): string {
  return `${bytes.length}:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** What `xzDecompress` gives on one path: a digest of the bytes, or the error's code, message, data and cause's name/code. */
async function decodeOn(native: boolean, input: Uint8Array, maxOutput: number): Promise<Outcome> {
  try {
    return { ok: digest(await xzDecompress(input, maxOutput, 'part 3', { native })) };
  } catch (error) {
    const e = error as { code?: unknown; message: string; data?: unknown; cause?: { name?: unknown; code?: unknown } };
    const cause = e.cause && { name: e.cause.name, code: e.cause.code };
    return { code: e.code, message: e.message, data: e.data, ...(cause ? { cause } : {}) };
  }
}

/** Both paths (the addon and forced lzma-native) give the same outcome; returns it. */
async function bothPaths(input: Uint8Array, maxOutput = 64 * MiB): Promise<Outcome> {
  const viaAddon = await decodeOn(true, input, maxOutput);
  const viaLzmaNative = await decodeOn(false, input, maxOutput);
  expect(viaAddon).toEqual(viaLzmaNative);
  return viaAddon;
}

const invalid = (reason: string, name: string): Outcome => ({
  code: 'Corrupt',
  message: `part 3: invalid xz data (${reason})`,
  data: {},
  cause: { name, code: expect.any(Number) },
});

const text = Buffer.from(Array.from({ length: 40_000 }, (_, i) => `line ${i} of a delta part\n`).join(''));

describe('xzDecompress: system-liblzma addon and lzma-native', () => {
  it('the addon is built by the `native` target and runs the system liblzma', () => {
    // The tests depend on `native`; without liblzma-dev the build skips it and this fails, so the fast
    // path cannot silently disappear.
    const addon = nativeXz();
    expect(addon, NATIVE_XZ_PATH).toBeDefined();
    expect(addon?.liblzmaVersion).toMatch(/^5\.\d+\.\d+/);
  });

  it('xzDecompress goes through the addon by default and never with `native: false`', async () => {
    const addon = nativeXz()!;
    const original = addon.xzDecode;
    let calls = 0;
    addon.xzDecode = (input, maxOutput) => {
      calls++;
      return original(input, maxOutput);
    };
    try {
      const packed = xzCli(text, ['-6']);
      await xzDecompress(packed, MiB * 4, 'part', { native: false });
      expect(calls).toBe(0);
      await xzDecompress(packed, MiB * 4, 'part');
      expect(calls).toBe(1);
    } finally {
      addon.xzDecode = original;
    }
  });

  it('decodes what the xz CLI and xzCompress produce, identically on both paths and equal to `xz -dc`', async () => {
    const mixed = Buffer.concat([randomBytes(100_000), Buffer.alloc(300_000), text.subarray(0, 200_000)]);
    const inputs: Buffer[] = [];
    for (const raw of [Buffer.alloc(0), Buffer.from('x'), text, randomBytes(200_000), mixed]) {
      for (const args of [['-6'], ['-0', '--check=crc32'], ['-9', '--check=sha256'], ['-1', '--check=none'], ['-T2', '--block-size=65536']]) {
        inputs.push(xzCli(raw, args));
      }
      inputs.push(Buffer.from(await xzCompress(raw)));
    }
    for (const input of inputs) {
      const out = await bothPaths(input);
      expect(out).toEqual({ ok: digest(xzCli(input, ['-d'])) });
    }
  });

  it('concatenated streams and zero bytes between or after them decode as lzma-native always did', async () => {
    const a = xzCli(text, ['-6']);
    const b = xzCli(Buffer.from('second stream\n'), ['-0']);
    const zeros = (n: number): Buffer => Buffer.alloc(n);
    const both = Buffer.concat([text, Buffer.from('second stream\n')]);
    expect(await bothPaths(Buffer.concat([a, b]))).toEqual({ ok: digest(both) });
    expect(await bothPaths(Buffer.concat([a, zeros(4), b, zeros(8)]))).toEqual({ ok: digest(both) });
    // Any number of zero bytes (xz itself wants a multiple of 4).
    expect(await bothPaths(Buffer.concat([a, zeros(3), b, zeros(1)]))).toEqual({ ok: digest(both) });
    // The xz CLI agrees wherever the padding is a multiple of 4.
    expect(xzCli(Buffer.concat([a, zeros(4), b]), ['-d']).equals(both)).toBe(true);
    // Legacy .lzma is accepted as before (the auto decoder), alone, and followed by an .xz stream.
    const lzma = xzCli(text, ['--format=lzma']);
    expect(await bothPaths(lzma)).toEqual({ ok: digest(text) });
    expect(await bothPaths(Buffer.concat([a, lzma]))).toEqual({ ok: digest(Buffer.concat([text, text])) });
  });

  it('hostile input fails with the same CorruptError on both paths', async () => {
    const good = xzCli(text, ['-6']);
    // The block's CRC64 sits just before the index; `xz --robot -lvv` gives the block's offset and size.
    const dir = await mkdtemp(join(tmpdir(), 'delta-xz-'));
    await writeFile(join(dir, 'good.xz'), good);
    const list = execFileSync('xz', ['--robot', '-lvv', join(dir, 'good.xz')]).toString();
    await rm(dir, { recursive: true });
    const block = list.split('\n').find((l) => l.startsWith('block\t'))?.split('\t') ?? [];
    const checkAt = Number(block[4]) + Number(block[6]) - 8;
    const badCheck = Buffer.from(good);
    badCheck[checkAt] ^= 1;
    const badData = Buffer.from(good);
    badData[good.length >> 1] ^= 0x40;
    const lzma = xzCli(text, ['--format=lzma']);

    const cases: [string, Uint8Array, Outcome][] = [
      ['empty input', Buffer.alloc(0), invalid('No progress is possible', 'LZMA_BUF_ERROR')],
      ['garbage', Buffer.from('this is not xz data at all'), invalid('File format not recognized', 'LZMA_FORMAT_ERROR')],
      ['truncated in the header', good.subarray(0, 6), invalid('No progress is possible', 'LZMA_BUF_ERROR')],
      ['truncated in the data', good.subarray(0, good.length >> 1), invalid('No progress is possible', 'LZMA_BUF_ERROR')],
      ['truncated in the footer', good.subarray(0, good.length - 1), invalid('No progress is possible', 'LZMA_BUF_ERROR')],
      ['bad CRC64', badCheck, invalid('Data is corrupt', 'LZMA_DATA_ERROR')],
      ['flipped data byte', badData, invalid('Data is corrupt', 'LZMA_DATA_ERROR')],
      ['trailing garbage', Buffer.concat([good, Buffer.from('garbage!')]), invalid('File format not recognized', 'LZMA_FORMAT_ERROR')],
      ['zeros, then garbage', Buffer.concat([good, Buffer.alloc(4), Buffer.from('garbage!')]), invalid('File format not recognized', 'LZMA_FORMAT_ERROR')],
      ['a partial second header', Buffer.concat([good, good.subarray(0, 6)]), invalid('No progress is possible', 'LZMA_BUF_ERROR')],
      ['a truncated second stream', Buffer.concat([good, good.subarray(0, 100)]), invalid('No progress is possible', 'LZMA_BUF_ERROR')],
      // lzma-native drops the rest of its input chunk (up to a "YZ") after a .lzma stream.
      ['.lzma, then garbage', Buffer.concat([lzma, Buffer.from('garbage')]), { ok: digest(text) }],
      ['.lzma, then garbage ending in YZ, then .xz', Buffer.concat([lzma, Buffer.from('garbageYZ'), good]), { ok: digest(Buffer.concat([text, text])) }],
    ];
    for (const [name, input, expected] of cases) {
      expect({ name, outcome: await bothPaths(input) }).toEqual({ name, outcome: expected });
    }
  });

  it('output is bounded by maxOutput: exactly maxOutput decodes, one byte more fails with the same error', async () => {
    const input = xzCli(text, ['-6']);
    expect(await bothPaths(input, text.length)).toEqual({ ok: digest(text) });
    const over = { code: 'Corrupt', message: `part 3 expands to more than ${text.length - 1} bytes`, data: { limit: text.length - 1 } };
    expect(await bothPaths(input, text.length - 1)).toEqual(over);
    // Over the limit in a second stream; an empty stream under a zero limit.
    const twice = Buffer.concat([input, input]);
    expect(await bothPaths(twice, 2 * text.length)).toEqual({ ok: digest(Buffer.concat([text, text])) });
    expect(await bothPaths(twice, 2 * text.length - 1)).toMatchObject({ message: `part 3 expands to more than ${2 * text.length - 1} bytes` });
    expect(await bothPaths(xzCli(Buffer.alloc(0), ['-6']), 0)).toEqual({ ok: digest(Buffer.alloc(0)) });
    expect(await bothPaths(xzCli(Buffer.from('x'), ['-6']), 0)).toMatchObject({ message: 'part 3 expands to more than 0 bytes' });
    // Whatever the limit, as `total > maxOutput` always did: a negative one allows only empty output.
    expect(await bothPaths(xzCli(Buffer.alloc(0), ['-6']), -1)).toEqual({ ok: digest(Buffer.alloc(0)) });
    expect(await bothPaths(xzCli(Buffer.from('x'), ['-6']), -1)).toMatchObject({ message: 'part 3 expands to more than -1 bytes' });
    expect(await bothPaths(input, Infinity)).toEqual({ ok: digest(text) });
  });

  it('an xz bomb (200 MiB of zeros) fails on both paths; the addon never holds more than maxOutput', async () => {
    const bomb = xzCli(Buffer.alloc(200 * MiB), ['-1']);
    expect(bomb.length).toBeLessThan(64 * 1024);
    const expected = { code: 'Corrupt', message: `part 3 expands to more than ${MiB} bytes`, data: { limit: MiB } };
    expect(await bothPaths(bomb, MiB)).toEqual(expected);
    // Peak memory (VmHWM: getrusage's maxRSS would include the parent's peak) of a fresh process that decodes the bomb through the addon: a Node process is ~40–60 MiB,
    // so far below the 200 MiB the whole output would take. (lzma-native, by contrast, inflates a whole
    // input chunk into its queue before JavaScript sees the first buffer: ~250 MiB here.)
    const script = `
      const addon = require(process.argv[1]);
      const input = require('node:fs').readFileSync(0);
      addon.xzDecode(input, ${MiB}).then(
        (out) => console.log(JSON.stringify({ ok: out.length })),
        (error) => console.log(JSON.stringify({ code: error.code, peak: require('node:fs').readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\\s*(\\d+) kB/)[1] * 1024 })));`;
    const result = JSON.parse(execFileSync(process.execPath, ['-e', script, NATIVE_XZ_PATH], { input: bomb }).toString()) as { code?: string; peak?: number };
    expect(result.code).toBe('ERR_XZ_OUTPUT_LIMIT');
    expect(result.peak).toBeLessThan(150 * MiB);
  });

  it('the addon decodes its own copy of the input (the caller may reuse its buffer at once) and runs calls in parallel', async () => {
    const addon = nativeXz();
    expect(addon).toBeDefined();
    const inputs = [text, randomBytes(100_000), Buffer.alloc(3 * MiB, 7)].map((raw) => ({ raw, packed: xzCli(raw, ['-6']) }));
    const pending = inputs.map(({ packed }) => addon!.xzDecode(packed, 64 * MiB));
    for (const { packed } of inputs) packed.fill(0);
    const outs = await Promise.all(pending);
    outs.forEach((out, i) => expect(out.equals(inputs[i]!.raw)).toBe(true));
  });
});
