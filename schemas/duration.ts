import { z } from 'zod';

const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const;

const DURATION = /^(\d+)(ms|s|m|h|d|w)$/;

/**
 * A duration written as a whole number and a unit: `500ms`, `30s`, `10m`, `2h`, `30d`,
 * `6w`. Kept as text in policies so that a stored policy reads the way it was written.
 */
export const durationSchema = z.string().regex(DURATION, 'must be a whole number and a unit (ms, s, m, h, d or w), e.g. "6w" or "30s"');

export type Duration = z.infer<typeof durationSchema>;

/** Milliseconds of a duration that already passed `durationSchema`. */
export function durationMs(duration: Duration): number {
  const match = DURATION.exec(duration);
  if (!match) throw new RangeError(`not a duration: ${duration}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
