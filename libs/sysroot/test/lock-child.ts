// Takes the sysroot lock, says so, and then just waits (to be killed by the test).
import { lockSysroot } from '../src/index.js';

await lockSysroot(process.argv[2]!);
process.stdout.write('held\n');
setInterval(() => undefined, 1000);
