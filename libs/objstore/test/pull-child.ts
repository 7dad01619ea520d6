// Runs one pull in a child process (for crash tests): prints one JSON line per progress event.
import { Repo, pullRemote } from '../src/index.js';

const [repoPath, optionsJson] = process.argv.slice(2);
const repo = await Repo.open(repoPath!);
await pullRemote(repo, 'origin', {
  ...(JSON.parse(optionsJson!) as object),
  onProgress: (e) => process.stdout.write(`${JSON.stringify(e)}\n`),
});
process.stdout.write('done\n');
