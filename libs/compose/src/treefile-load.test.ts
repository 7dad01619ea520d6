import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadTreefile } from './treefile-load.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsostree-treefile-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

async function loadError(path: string, opts = {}): Promise<{ code: string; message: string; data: Record<string, unknown> }> {
  try {
    await loadTreefile(path, { basearch: 'x86_64', ...opts });
  } catch (err) {
    return err as { code: string; message: string; data: Record<string, unknown> };
  }
  throw new Error('expected an error');
}

describe('loadTreefile', () => {
  it('merges includes the rpm-ostree way', async () => {
    write(
      'base.yaml',
      `ref: base/ref
recommends: false
packages: [kernel, bash]
repos: [base]
units: [a.service]
add-commit-metadata: {k1: base, k2: base}
ignore-removed-users: [zed, amy]
repo-packages:
  - repo: base
    packages: [x, y]
`,
    );
    write('other.yaml', 'ref: other/ref\ndocumentation: false\nrepos: [other]\npackages: [vim]\n');
    const top = write(
      'top.yaml',
      `include: [base.yaml, other.yaml]
repos: [top]
packages: [bash, zsh]
units: [b.service]
add-commit-metadata: {k2: top}
ignore-removed-users: [bob]
repo-packages:
  - repo: top
    packages: [y]
`,
    );
    const { treefile: tf, files, dir: d } = await loadTreefile(top, { basearch: 'x86_64' });
    expect(files.map((f) => f.slice(d.length + 1))).toEqual(['top.yaml', 'base.yaml', 'other.yaml']);
    expect(tf.ref).toBe('base/ref'); // first include wins over a later one for scalars
    expect(tf.recommends).toBe(false);
    expect(tf.documentation).toBe(false);
    expect(tf.repos).toEqual(['other', 'base', 'top']); // included first, in rpm-ostree's order
    expect(tf.units).toEqual(['a.service', 'b.service']);
    expect(tf.packages).toEqual(['bash', 'kernel', 'vim', 'zsh']);
    expect(tf['add-commit-metadata']).toEqual({ k1: 'base', k2: 'top' });
    expect(tf['ignore-removed-users']).toEqual(['amy', 'bob', 'zed']);
    expect(tf['repo-packages']).toEqual([
      { repo: 'base', packages: ['x'] },
      { repo: 'top', packages: ['y'] },
    ]);
  });

  it('lets the including file override scalars, and folds variables outer-first', async () => {
    write('common.yaml', 'ref: "os/${stream}/${basearch}"\nreleasever: 40\nvariables: {stream: common, extra: e}\n');
    const top = write('top.yaml', 'include: common.yaml\nreleasever: 41\nvariables: {stream: top}\nautomatic-version-prefix: "${releasever}.${extra}"\n');
    const { treefile: tf } = await loadTreefile(top, { basearch: 'aarch64' });
    expect(tf.ref).toBe('os/top/aarch64');
    expect(tf.releasever).toBe(41);
    expect(tf['automatic-version-prefix']).toBe('41.e');
    expect(tf.variables).toEqual({ stream: 'top', extra: 'e', basearch: 'aarch64', releasever: 41 });
  });

  it('follows arch-include and conditional-include', async () => {
    write('x86.yaml', 'packages: [grub2]\n');
    write('arm.yaml', 'packages: [uboot]\n');
    write('new.yaml', 'packages: [newthing]\n');
    const top = write(
      'top.yaml',
      `releasever: 41
variables: {flavor: "server"}
packages: [base]
arch-include:
  x86_64: x86.yaml
  aarch64: [arm.yaml]
conditional-include:
  - if: releasever >= 41
    include: new.yaml
  - if: releasever < 41
    include: missing-but-skipped.yaml
  - if: [flavor == "server", basearch == "x86_64"]
    include:
      packages: [server-extra]
      recommends: false
`,
    );
    const x = (await loadTreefile(top, { basearch: 'x86_64' })).treefile;
    expect(x.packages).toEqual(['base', 'grub2', 'newthing', 'server-extra']);
    expect(x.recommends).toBe(false);
    const a = (await loadTreefile(top, { basearch: 'aarch64' })).treefile;
    expect(a.packages).toEqual(['base', 'newthing', 'uboot']);
    expect(a.recommends).toBe(true);
  });

  it('reports condition errors with their location', async () => {
    const top = write('top.yaml', 'conditional-include:\n  - if: nosuchvar == 1\n    include: x.yaml\n');
    const err = await loadError(top);
    expect(err.code).toBe('Parse');
    expect(err.message).toMatch(/top\.yaml:2:\d+: undefined variable 'nosuchvar'/);
    const top2 = write('top2.yaml', 'releasever: "41"\nconditional-include:\n  - if: releasever > 40\n    include: x.yaml\n');
    expect((await loadError(top2)).message).toMatch(/releasever is not same type as 40/);
  });

  it('refuses include loops', async () => {
    write('a.yaml', 'include: b.yaml\n');
    write('b.yaml', 'include: a.yaml\n');
    const err = await loadError(join(dir, 'a.yaml'));
    expect(err.code).toBe('InvalidArgument');
    expect(err.message).toMatch(/Include loop detected; .*a\.yaml was already included/);
    const self = write('self.yaml', 'include: ./self.yaml\n');
    expect((await loadError(self)).message).toMatch(/Include loop/);
    // the same file reached through a symlink is still the same file
    symlinkSync('self2.yaml', join(dir, 'alias.yaml'));
    const s2 = write('self2.yaml', 'include: alias.yaml\n');
    expect((await loadError(s2)).message).toMatch(/Include loop/);
  });

  it('stops at rpm-ostree include depth 50', async () => {
    for (let i = 0; i < 52; i++) write(`d${i}.yaml`, `include: d${i + 1}.yaml\n`);
    write('d52.yaml', 'ref: deep\n');
    const err = await loadError(join(dir, 'd0.yaml'));
    expect(err.message).toMatch(/Reached maximum include depth 50/);
    write('d50.yaml', 'ref: deep\n');
    expect((await loadTreefile(join(dir, 'd0.yaml'), { basearch: 'x86_64' })).treefile.ref).toBe('deep');
  });

  it('keeps includes and external files inside the context directory', async () => {
    write('outside.yaml', 'ref: outside\n');
    write('secret', 'root:x:0:0::/root:/bin/sh\n');
    write('cfg/inner.yaml', 'ref: inner\n');
    const top = write('cfg/top.yaml', 'include: ../outside.yaml\n');
    const err = await loadError(top);
    expect(err.code).toBe('InvalidArgument');
    expect(err.message).toMatch(/top\.yaml:1:10: include "\.\.\/outside\.yaml" resolves outside/);
    // allowed with a wider context
    expect((await loadTreefile(top, { basearch: 'x86_64', contextDir: dir })).treefile.ref).toBe('outside');
    // `..` that stays inside is fine
    write('cfg/sub/x.yaml', 'include: ../inner.yaml\n');
    write('cfg/t2.yaml', 'include: sub/x.yaml\n');
    expect((await loadTreefile(join(dir, 'cfg/t2.yaml'), { basearch: 'x86_64' })).treefile.ref).toBe('inner');
    // absolute paths and symlinks pointing out
    write('cfg/abs.yaml', `include: ${join(dir, 'outside.yaml')}\n`);
    expect((await loadError(join(dir, 'cfg/abs.yaml'))).message).toMatch(/resolves outside/);
    symlinkSync('../outside.yaml', join(dir, 'cfg/link.yaml'));
    write('cfg/vialink.yaml', 'include: link.yaml\n');
    expect((await loadError(join(dir, 'cfg/vialink.yaml'))).message).toMatch(/resolves outside/);
    // externals
    write('cfg/pp.yaml', 'postprocess-script: ../secret\n');
    expect((await loadError(join(dir, 'cfg/pp.yaml'))).message).toMatch(/postprocess-script "\.\.\/secret" resolves outside/);
    write('cfg/af.yaml', 'add-files: [["../secret", /etc/passwd]]\n');
    expect((await loadError(join(dir, 'cfg/af.yaml'))).message).toMatch(/add-files source/);
    write('cfg/cp.yaml', 'check-passwd: {type: file, filename: /etc/passwd}\n');
    expect((await loadError(join(dir, 'cfg/cp.yaml'))).message).toMatch(/check-passwd .* resolves outside/);
  });

  it('names a missing include with its location', async () => {
    const top = write('top.yaml', 'ref: a\ninclude: [nope.yaml]\n');
    const err = await loadError(top);
    expect(err.code).toBe('NotFound');
    expect(err.message).toMatch(/top\.yaml:2:10: include: .*nope\.yaml/);
  });

  it('refuses non-regular files, huge files and invalid UTF-8', async () => {
    const dev = write('dev.yaml', 'include: /dev/zero\n');
    expect((await loadError(dev, { contextDir: '/' })).message).toMatch(/not a regular file/);
    const big = join(dir, 'big.yaml');
    writeFileSync(big, Buffer.alloc(17 * 1024 * 1024, 0x20));
    const e = await loadError(big);
    expect(e.code).toBe('Parse');
    expect(e.message).toMatch(/too large/);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, Buffer.from([0x72, 0x65, 0x66, 0x3a, 0x20, 0xff, 0xfe, 0x0a]));
    expect((await loadError(bad)).message).toMatch(/not valid UTF-8/);
    expect((await loadError(join(dir, 'missing.yaml'))).code).toBe('NotFound');
    expect((await loadError(bad, { basearch: '../x' })).code).toBe('InvalidArgument');
  });

  it('checksums the flattened content, not the formatting, and includes external files', async () => {
    write('post.sh', '#!/bin/sh\necho one\n');
    const a = write('a.yaml', 'ref: r\npackages: [b, a]\npostprocess-script: post.sh\nmetadata: {x: 1}\n');
    const b = write('b.json', '{"packages": ["a b"], "ref": "r", "postprocess-script": "post.sh", "metadata": {"x": 2}}');
    const ca = (await loadTreefile(a, { basearch: 'x86_64' })).checksum;
    const cb = (await loadTreefile(b, { basearch: 'x86_64' })).checksum;
    expect(ca).toMatch(/^[0-9a-f]{64}$/);
    expect(cb).toBe(ca); // same content, different syntax; `metadata` is not hashed
    write('post.sh', '#!/bin/sh\necho two\n');
    const loaded = await loadTreefile(a, { basearch: 'x86_64' });
    expect(loaded.checksum).not.toBe(ca);
    expect(loaded.externals.postprocessScript).toBe(join(loaded.dir, 'post.sh'));
    expect((await loadTreefile(a, { basearch: 'aarch64' })).checksum).not.toBe(loaded.checksum);
  });
});
