import { inspect } from 'node:util';

export interface PollOptions {
  /** Give up after this long (default 30 s). */
  readonly timeoutMs?: number;
  /** Pause between probes (default 200 ms). */
  readonly intervalMs?: number;
}

export interface AcceptingPollOptions<T> extends PollOptions {
  /** When the probe's value is the one waited for (default: anything but undefined, null and false). */
  readonly accept: (value: T) => boolean;
}

const shown = (value: unknown) => inspect(value, { depth: 4, breakLength: Infinity, maxArrayLength: 20, maxStringLength: 500 });

/**
 * Probes until it sees the state waited for and returns the probe's value — instead of a
 * fixed sleep, which is too short on a busy machine and too long on an idle one. On
 * timeout it fails naming `what` and the last value seen (or the probe's last error), so
 * that a failure says what the state was, not only that it was not the expected one.
 */
export async function until<T>(what: string, probe: () => T | Promise<T>, options: AcceptingPollOptions<T>): Promise<T>;
export async function until<T>(what: string, probe: () => T | Promise<T>, options?: PollOptions): Promise<Exclude<T, undefined | null | false>>;
export async function until<T>(what: string, probe: () => T | Promise<T>, options: PollOptions & { accept?: (value: T) => boolean } = {}): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 200 } = options;
  const accept = options.accept ?? ((value: T) => value !== undefined && value !== null && value !== false);
  const deadline = Date.now() + timeoutMs;
  let seen: { value: T } | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      seen = { value };
      lastError = undefined;
      if (accept(value)) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(deadline - Date.now(), 1))));
  }
  const last = seen ? `last value seen: ${shown(seen.value)}` : 'no value seen';
  const error = lastError === undefined ? '' : `; the last probe failed: ${lastError instanceof Error ? lastError.message : shown(lastError)}`;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${last}${error}`);
}
