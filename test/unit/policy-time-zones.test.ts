import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJsonFile } from '../../cli/json-file';
import { localFile } from '../../cli/text-file';
import { InvalidInputError } from '../../schemas/errors';
import { policySchema } from '../../schemas/policy';
import { policyFileSchema } from '../../schemas/policy-file';
import { zodProblems } from '../../schemas/zod-problems';
import { deadlineIn, instantIn } from '../../schemas/zoned-time';

const base = { version: 'zoned', timeZone: 'Europe/Amsterdam', inquiryCutoff: '2024-03-31T23:59:59', purgeStart: '2024-04-01T00:00:00' };

/** What `erasure policy add` would say about each field, or the stored policy. */
function problems(input: unknown): Record<string, string> {
  const result = policyFileSchema.safeParse(input);
  if (result.success) throw new Error(`accepted: ${JSON.stringify(result.data)}`);
  return Object.fromEntries(zodProblems(result.error).map((p) => [p.field, p.message]));
}

describe('policy file - time zones', () => {
  it('the source-case example - local times in Europe/Amsterdam - are stored with CEST, the offset of that night', () => {
    const policy = readJsonFile(localFile(join(__dirname, '..', '..', 'examples', 'policy-source-case-2024.json')), policyFileSchema);
    expect(policy).toMatchObject({ timeZone: 'Europe/Amsterdam', inquiryCutoff: '2024-03-31T23:59:59.999+02:00', purgeStart: '2024-04-01T00:00:00+02:00' });
    expect(new Date(policy.inquiryCutoff).toISOString()).toBe('2024-03-31T21:59:59.999Z');
    // The stored form is what the lifecycle parses in its sandbox, unchanged.
    expect(policySchema.parse(policy)).toEqual(policy);
  });

  it('a local time in winter - gets CET (+01:00), from the time-zone database', () => {
    expect(policyFileSchema.parse({ ...base, inquiryCutoff: '2024-01-15T12:00:00', purgeStart: '2024-01-16T00:00:00' })).toMatchObject({
      inquiryCutoff: '2024-01-15T12:00:00+01:00',
      purgeStart: '2024-01-16T00:00:00+01:00',
    });
  });

  it("an offset that does not match the zone - the issue's +01:00 on the night CEST began - is refused naming the right offset and why", () => {
    expect(problems({ ...base, inquiryCutoff: '2024-03-31T23:59:59+01:00' })).toEqual({
      inquiryCutoff:
        'the offset +01:00 does not match Europe/Amsterdam, which is at +02:00 on 31 March 2024 at 23:59:59 ' +
        '(CEST began on 31 March 2024 at 02:00, from +01:00 to +02:00); write "2024-03-31T23:59:59+02:00", or leave the offset out',
    });
  });

  it('an offset that matches the zone - is accepted and stored the same as the local time', () => {
    expect(policyFileSchema.parse({ ...base, inquiryCutoff: '2024-03-31T23:59:59+02:00' })).toEqual(policyFileSchema.parse(base));
    expect(policyFileSchema.parse({ ...base, timeZone: 'UTC', inquiryCutoff: '2024-03-31T21:59:59Z', purgeStart: '2024-03-31T22:00:00Z' })).toMatchObject({
      inquiryCutoff: '2024-03-31T21:59:59Z',
    });
  });

  it('a local time the clocks skip (DST gap) - is refused: it does not exist', () => {
    expect(problems({ ...base, inquiryCutoff: '2024-03-31T02:30:00', purgeStart: '2024-04-01T00:00:00' }).inquiryCutoff).toBe(
      '31 March 2024 at 02:30:00 does not exist in Europe/Amsterdam: CEST began on 31 March 2024 at 02:00 and the clocks went from 02:00 straight to 03:00; give a time that exists',
    );
  });

  it('a local time that happens twice (DST fold) - is refused asking for an offset; with one it is accepted', () => {
    const fold = { ...base, inquiryCutoff: '2024-10-27T02:30:00', purgeStart: '2024-10-28T00:00:00' };
    expect(problems(fold).inquiryCutoff).toBe(
      '27 October 2024 at 02:30:00 happens twice in Europe/Amsterdam: CEST ended on 27 October 2024 at 03:00 and the clocks went back to 02:00; ' +
        'say which with an offset: "2024-10-27T02:30:00+02:00" (the first) or "2024-10-27T02:30:00+01:00" (the second)',
    );
    expect(policyFileSchema.parse({ ...fold, inquiryCutoff: '2024-10-27T02:30:00+01:00' }).inquiryCutoff).toBe('2024-10-27T02:30:00+01:00');
  });

  it('a zone that does not exist - is refused, with the zone meant when it is a city; a lower-case name with its spelling', () => {
    expect(problems({ ...base, timeZone: 'Amsterdam' })).toEqual({
      timeZone: 'is not a time zone of the IANA database; did you mean "Europe/Amsterdam"? Give a name such as "Europe/Amsterdam"',
    });
    expect(problems({ ...base, timeZone: 'Mars/Olympus_Mons' }).timeZone).toMatch(/^is not a time zone of the IANA database Give/);
    expect(problems({ ...base, timeZone: '+02:00' }).timeZone).toContain('is not a time zone of the IANA database');
    expect(problems({ ...base, timeZone: 'europe/amsterdam' })).toEqual({ timeZone: 'write it as "Europe/Amsterdam"' });
  });

  it('a local time without any zone - is refused; offsets without a zone stay accepted as written', () => {
    const unzoned = { version: base.version, inquiryCutoff: base.inquiryCutoff, purgeStart: base.purgeStart };
    expect(problems(unzoned).inquiryCutoff).toBe(
      'has no offset and the policy names no timeZone: add "timeZone": "Europe/Amsterdam" (or another IANA zone) to the policy, or write the offset, e.g. "2024-03-31T23:59:59+02:00"',
    );
    const offsets = { version: 'offsets', inquiryCutoff: '2024-03-31T23:59:59+01:00', purgeStart: '2024-04-01T01:00:00.250+02:00' };
    expect(policyFileSchema.parse(offsets)).toEqual(policySchema.parse(offsets));
    expect(policyFileSchema.parse(offsets)).not.toHaveProperty('timeZone');
  });

  it("a file with several problems - lists each once, the zone's and the others", () => {
    expect(problems({ ...base, inquiryCutoff: '2024-03-31', purgeStart: '2024-03-31T02:15:00', objectionPeriod: '6', colour: 'red' })).toEqual({
      inquiryCutoff: 'is a date without a time; give the time of day too, e.g. "2024-03-31T23:59:59" for the end of that day',
      purgeStart: expect.stringContaining('does not exist in Europe/Amsterdam'),
      objectionPeriod: expect.stringContaining('must be a whole number and a unit'),
      '': expect.stringContaining('unknown field(s) "colour"'),
    });
  });

  it('the order of the deadlines - is checked on the instants, after the conversion', () => {
    expect(problems({ ...base, inquiryCutoff: '2024-04-01T00:30:00', purgeStart: '2024-04-01T00:00:00' })).toEqual({
      purgeStart: 'must not be before inquiryCutoff: nothing may be destroyed while inquiries are still open',
    });
  });

  it('readJsonFile - a refused policy file - names the file, each field and the fix', () => {
    const folder = mkdtempSync(join(tmpdir(), 'policy-'));
    const file = join(folder, 'policy.json');
    writeFileSync(file, JSON.stringify({ ...base, version: 'with spaces', inquiryCutoff: '2024-03-31T23:59:59+01:00' }));
    let error: unknown;
    try {
      readJsonFile(localFile(file), policyFileSchema);
    } catch (err) {
      error = err;
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    const message = (error as InvalidInputError).message;
    expect(message).toContain(`${file} refused (2 problems); nothing was changed:`);
    expect(message).toContain('  - version: use 1-64 letters');
    expect(message).toContain('  - inquiryCutoff: the offset +01:00 does not match Europe/Amsterdam, which is at +02:00');
  });
});

describe('instants shown back in a zone', () => {
  it('instantIn and deadlineIn - show an instant in the zone with its offset, milliseconds only when there are any', () => {
    expect(instantIn('2024-05-13T10:00:00.000Z', 'Europe/Amsterdam')).toBe('2024-05-13 12:00:00 +02:00');
    expect(instantIn('2024-03-31T21:59:59.999Z', 'Europe/Amsterdam')).toBe('2024-03-31 23:59:59.999 +02:00');
    expect(instantIn('2024-05-13T10:00:00.000Z', undefined)).toBe('2024-05-13T10:00:00.000Z');
    expect(deadlineIn('2024-04-01T00:00:00+02:00', 'Europe/Amsterdam')).toBe('2024-04-01 00:00:00 +02:00 Europe/Amsterdam');
  });
});
