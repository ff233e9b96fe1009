import { DateTime, FixedOffsetZone, IANAZone } from 'luxon';

/*
 * Local date-times in IANA zones, with luxon's time-zone database (the platform's ICU).
 * An edge module: the CLI and the activities use it; the workflow sandbox never imports it
 * (a lifecycle compares instants that already carry their offset).
 */

// Seconds required, as for instants with an offset (zod's iso.datetime); luxon keeps milliseconds.
const LOCAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,3})?$/;
const WITH_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,3})?(?:Z|[+-]\d\d:\d\d)$/;
const DATE_ONLY = /^\d{4}-\d\d-\d\d$/;
const WALL = "yyyy-MM-dd'T'HH:mm:ss.SSS";
/** How far from an instant a clock change is looked for, to explain an offset. */
const TRANSITION_WINDOW_DAYS = 7;
const DAY_MS = 86_400_000;

export type ZonedResult = { readonly ok: true; readonly iso: string } | { readonly ok: false; readonly problem: string };

/** Why a zone name cannot be used, or undefined when it names a zone of the database. */
export function zoneNameProblem(name: string): string | undefined {
  // Offsets ("+02:00") pass Intl's check in newer ICU versions, but they know no clock changes.
  if (/^[A-Za-z]/.test(name) && IANAZone.isValidZone(name)) {
    const canonical = new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
    if (canonical !== name && canonical.toLowerCase() === name.toLowerCase()) return `write it as "${canonical}"`;
    return undefined;
  }
  const wanted = name.trim().replace(/\s+/g, '_').toLowerCase();
  const guess = wanted && Intl.supportedValuesOf('timeZone').find((z) => z.toLowerCase() === wanted || z.toLowerCase().endsWith(`/${wanted}`));
  return `is not a time zone of the IANA database${guess ? `; did you mean "${guess}"?` : ''} Give a name such as "Europe/Amsterdam"`;
}

const offsetText = (minutes: number): string => FixedOffsetZone.instance(minutes).formatOffset(0, 'short');
const at = (dt: DateTime): string => dt.setLocale('en-GB').toFormat("d MMMM yyyy 'at' HH:mm");
const wallOf = (dt: DateTime): string => dt.toFormat(WALL);
/** The same wall-clock text as written, with the given offset. */
const withOffset = (written: string, dt: DateTime): string => `${written.replace(/(?:Z|[+-]\d\d:\d\d)$/, '')}${offsetText(dt.offset)}`;

export interface ClockChange {
  /** "CEST began on 31 March 2024 at 02:00", or "the clocks changed on …" (the wall clock just before the change). */
  readonly what: string;
  readonly from: string;
  readonly to: string;
  /** The wall clock just before and just after the change: "02:00" and "03:00". */
  readonly clockBefore: string;
  readonly clockAfter: string;
}

/** The clock change of a zone nearest to an instant, within a week (the ones people trip over). */
export function nearestClockChange(zoneName: string, ms: number): ClockChange | undefined {
  const zone = IANAZone.create(zoneName);
  const find = (direction: 1 | -1): number | undefined => {
    const start = zone.offset(ms);
    for (let day = 1; day <= TRANSITION_WINDOW_DAYS; day += 1) {
      const probe = ms + direction * day * DAY_MS;
      if (zone.offset(probe) === start) continue;
      let [same, other] = [probe - direction * DAY_MS, probe];
      while (Math.abs(other - same) > 1_000) {
        const mid = Math.round((same + other) / 2);
        if (zone.offset(mid) === start) same = mid;
        else other = mid;
      }
      const [before, after] = direction === 1 ? [same, other] : [other, same];
      const minute = Math.floor(after / 60_000) * 60_000;
      return minute > before ? minute : after;
    }
    return undefined;
  };
  const candidates = [find(-1), find(1)].filter((t): t is number => t !== undefined);
  const change = candidates.sort((a, b) => Math.abs(a - ms) - Math.abs(b - ms))[0];
  if (change === undefined) return undefined;
  const from = zone.offset(change - 1);
  const to = zone.offset(change);
  const before = DateTime.fromMillis(change, { zone: FixedOffsetZone.instance(from) });
  const after = DateTime.fromMillis(change, { zone: FixedOffsetZone.instance(to) });
  const name = (instant: number) => {
    const short = zone.offsetName(instant, { format: 'short', locale: 'en-GB' });
    return short && /^[A-Z]{2,5}$/.test(short) && !['GMT', 'UTC'].includes(short) ? short : undefined;
  };
  // The named time is the one that starts or stops: summer time, as a rule.
  const named = to > from ? name(change) : name(change - 1);
  return {
    what: named ? `${named} ${to > from ? 'began' : 'ended'} on ${at(before)}` : `the clocks changed on ${at(before)}`,
    from: offsetText(from),
    to: offsetText(to),
    clockBefore: before.toFormat('HH:mm'),
    clockAfter: after.toFormat('HH:mm'),
  };
}

/** The local times a wall-clock reading stands for in a zone: none (a gap), one, or two (a fold). */
function readingsOf(wall: DateTime, zoneName: string): DateTime[] {
  const local = DateTime.fromObject(
    { year: wall.year, month: wall.month, day: wall.day, hour: wall.hour, minute: wall.minute, second: wall.second, millisecond: wall.millisecond },
    { zone: zoneName },
  );
  return local.getPossibleOffsets().filter((dt) => wallOf(dt) === wallOf(wall));
}

/** Why an offset is what it is near a clock change: " (CEST began on …, from +01:00 to +02:00)". */
const because = (zoneName: string, ms: number) => {
  const change = nearestClockChange(zoneName, ms);
  return change ? ` (${change.what}, from ${change.from} to ${change.to})` : '';
};
/** What the clocks did where a reading falls in a gap or a fold. */
const clocks = (zoneName: string, ms: number, gap: boolean) => {
  const change = nearestClockChange(zoneName, ms);
  if (!change) return gap ? ': the clocks skip it' : '';
  const they = change.what.startsWith('the clocks') ? `${change.what} and went` : `${change.what} and the clocks went`;
  return gap ? `: ${they} from ${change.clockBefore} straight to ${change.clockAfter}` : `: ${they} back to ${change.clockAfter}`;
};

/**
 * A policy date-time as an instant with the zone's offset. `text` is a local date-time
 * (read in `zoneName`) or a date-time with an offset (which must be the zone's offset at
 * that instant). Without a zone, only a date-time with an offset is accepted, unchanged.
 */
export function zonedInstant(text: string, zoneName: string | undefined): ZonedResult {
  const fail = (problem: string): ZonedResult => ({ ok: false, problem });
  if (DATE_ONLY.test(text)) {
    return fail(`is a date without a time; give the time of day too, e.g. "${text}T23:59:59" for the end of that day`);
  }
  if (LOCAL.test(text)) {
    if (!zoneName) {
      return fail(
        `has no offset and the policy names no timeZone: add "timeZone": "Europe/Amsterdam" (or another IANA zone) to the policy, or write the offset, e.g. "2024-03-31T23:59:59+02:00"`,
      );
    }
    const wall = DateTime.fromISO(text, { zone: 'UTC' });
    if (!wall.isValid) return fail(`is not a date-time that exists (${wall.invalidExplanation ?? wall.invalidReason ?? 'invalid'})`);
    const readings = readingsOf(wall, zoneName);
    const when = `${at(wall)}:${wall.toFormat('ss')}`;
    const [first, second] = readings;
    if (!first) {
      const shifted = DateTime.fromISO(text, { zone: zoneName });
      return fail(`${when} does not exist in ${zoneName}${clocks(zoneName, shifted.toMillis(), true)}; give a time that exists`);
    }
    if (second) {
      return fail(
        `${when} happens twice in ${zoneName}${clocks(zoneName, second.toMillis(), false)}; say which with an offset: ` +
          `"${withOffset(text, first)}" (the first) or "${withOffset(text, second)}" (the second)`,
      );
    }
    return { ok: true, iso: first.toISO({ suppressMilliseconds: true }) ?? text };
  }
  // Without a zone an offset is taken as written (policySchema checks its form).
  if (!zoneName) return { ok: true, iso: text };
  if (WITH_OFFSET.test(text)) {
    const written = DateTime.fromISO(text, { setZone: true });
    if (!written.isValid) return fail(`is not a date-time that exists (${written.invalidExplanation ?? written.invalidReason ?? 'invalid'})`);
    const inZone = written.setZone(zoneName);
    if (inZone.offset === written.offset) return { ok: true, iso: inZone.toISO({ suppressMilliseconds: true }) ?? text };
    const readings = readingsOf(written, zoneName);
    const when = `${at(written)}:${written.toFormat('ss')}`;
    if (readings.length === 0) {
      return fail(`${when} does not exist in ${zoneName}${clocks(zoneName, written.toMillis(), true)}; give a time that exists`);
    }
    const right = readings.map((r) => `"${withOffset(text, r)}"`).join(' or ');
    const offsets = readings.map((r) => offsetText(r.offset)).join(' or ');
    return fail(
      `the offset ${offsetText(written.offset)} does not match ${zoneName}, which is at ${offsets} on ${when}${because(zoneName, written.toMillis())}; ` +
        `write ${right}, or leave the offset out`,
    );
  }
  return fail(`must be a date-time such as "2024-03-31T23:59:59" (local time in ${zoneName}), or with the offset, e.g. "2024-03-31T23:59:59+02:00"`);
}

/**
 * An instant for a coordinator's screen: in the zone, as `2024-03-31 23:59:59 +02:00`
 * (milliseconds only when there are any). Without a zone, the instant as it is.
 */
export function instantIn(iso: string, zoneName: string | undefined): string {
  if (!zoneName) return iso;
  const dt = DateTime.fromISO(iso, { setZone: true }).setZone(zoneName);
  if (!dt.isValid) return iso;
  return dt.toFormat(dt.millisecond ? 'yyyy-MM-dd HH:mm:ss.SSS ZZ' : 'yyyy-MM-dd HH:mm:ss ZZ');
}

/** A deadline for a coordinator's screen: `2024-03-31 23:59:59 +02:00 Europe/Amsterdam`, or as it is without a zone. */
export const deadlineIn = (iso: string, zoneName: string | undefined): string => (zoneName ? `${instantIn(iso, zoneName)} ${zoneName}` : iso);
