import { createInterface, type Interface } from 'node:readline';

let lines: AsyncIterator<string> | undefined;
let reader: Interface | undefined;
let muted = false;
let currentPrompt = '';

/**
 * Asks for one line on stdin: on a terminal with the prompt on stderr and, for a secret,
 * without echoing what is typed; from a pipe (scripts, tests) the next line as it comes.
 */
export async function ask(prompt: string, options: { secret?: boolean } = {}): Promise<string> {
  if (!reader) {
    reader = createInterface({ input: process.stdin, output: process.stdin.isTTY ? process.stderr : undefined, terminal: !!process.stdin.isTTY });
    const write = (reader as unknown as { _writeToOutput?: (s: string) => void })._writeToOutput?.bind(reader);
    // readline echoes what is typed through this method: nothing of a secret reaches the screen.
    (reader as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (!muted || s.includes(currentPrompt)) write?.(s);
    };
    lines = reader[Symbol.asyncIterator]();
  }
  currentPrompt = prompt;
  if (process.stdin.isTTY) process.stderr.write(prompt);
  muted = !!options.secret && !!process.stdin.isTTY;
  const next = await (lines as AsyncIterator<string>).next();
  if (muted) process.stderr.write('\n');
  muted = false;
  if (next.done) throw new Error(`no answer to "${prompt.trim()}": stdin ended`);
  return next.value.trim();
}

/** Lets the process end once nothing more is asked. */
export function closePrompt(): void {
  reader?.close();
  reader = undefined;
}
