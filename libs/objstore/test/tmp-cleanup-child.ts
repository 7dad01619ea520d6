// Runs cleanupRepoTmp in a child process (for tests that set up mounts in a private mount namespace): prints the result as JSON.
import { Repo, cleanupRepoTmp } from '../src/index.js';

const repo = await Repo.open(process.argv[2]!);
process.stdout.write(`${JSON.stringify(await cleanupRepoTmp(repo))}\n`);
