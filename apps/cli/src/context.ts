/** Where a command reads and writes: injected so tests run commands in-process. */
export interface CliContext {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Environment variables the CLI (never the libraries) may consult. */
  env: Readonly<Record<string, string | undefined>>;
  /** The directory relative paths on the command line are resolved against. */
  cwd: string;
  /** True when stdout is a terminal (progress bars instead of plain lines). */
  isTTY: boolean;
}

export function nodeContext(): CliContext {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stdout.isTTY),
  };
}
