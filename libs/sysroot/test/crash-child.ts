// One mutating operation on a sysroot, in its own process, killed with SIGKILL at the named
// failpoint (or never, with KILL_AT = ''). Every failpoint reached is printed (FP <name>).
// usage: crash-child.ts ROOT OP KILL_AT [BOOTED_CMDLINE]
import { writeSync } from 'node:fs';
import { runOp } from './crash-ops.js';

const [root, op, killAt, cmdline] = process.argv.slice(2) as [string, string, string, string | undefined];
await runOp(root, op, cmdline || undefined, (name) => {
  writeSync(1, `FP ${name}\n`);
  if (name === killAt) process.kill(process.pid, 'SIGKILL');
});
writeSync(1, 'DONE\n');
