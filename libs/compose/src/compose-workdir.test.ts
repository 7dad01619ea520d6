import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Repo, cleanupRepoTmp } from '@tsostree/objstore';
import { describe, expect, it } from 'vitest';
import { defaultComposeWorkdir } from './compose-tree.js';

// A compose killed mid-way leaves its work directory (a whole root filesystem) in the repository's tmp/.
describe('the default compose work directory', () => {
  it("is removed by the repository's next tmp/ cleanup once its process is gone; a kept root only by age", async () => {
    const repo = await Repo.init(join(mkdtempSync(join(tmpdir(), 'compose-workdir-')), 'repo'), { mode: 'bare-user' });
    const dead = spawnSync('true').pid!;
    const crashed = defaultComposeWorkdir(repo.path, false, dead);
    const kept = defaultComposeWorkdir(repo.path, true, dead);
    const live = defaultComposeWorkdir(repo.path, false);
    for (const dir of [crashed, kept, live]) {
      mkdirSync(join(dir, 'rootfs/usr/bin'), { recursive: true });
      writeFileSync(join(dir, 'rootfs/usr/bin/sh'), '#!');
    }
    await cleanupRepoTmp(repo);
    expect(readdirSync(repo.tmpDir).sort()).toEqual(['cache', basename(kept), basename(live)].sort());
  });
});
