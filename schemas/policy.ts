import { z } from 'zod';
import { durationSchema } from './duration';
import { purgeRunSettingsSchema } from './purge';

/**
 * Deadlines as the lifecycle compares them (Date.parse): absolute instants with an offset.
 * A policy file may give a local date-time and a zone; `policy-file.ts` converts it to this
 * form before it is stored (README "The coordinators' command line", policies).
 */
const instant = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 date-time with an offset, e.g. "2024-03-31T23:59:59+02:00"',
});

/**
 * The shape of an IANA zone name (`Europe/Amsterdam`, `UTC`). Only the shape: whether the
 * zone exists is checked against a time-zone database at the edge, since this schema is
 * also parsed inside the workflow sandbox, which has none.
 */
export const timeZoneNameSchema = z
  .string()
  .regex(/^(?:[A-Za-z][A-Za-z0-9_+-]*)(?:\/[A-Za-z0-9][A-Za-z0-9_+-]*)*$/, 'must be an IANA time-zone name such as "Europe/Amsterdam"');

/**
 * The destruction policy: versioned, immutable once stored, stored with every record so
 * that each deadline can be traced back to the rule that set it.
 */
export const policySchema = z
  .strictObject({
    version: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'use 1-64 letters, digits, dots, dashes or underscores'),
    description: z.string().max(500).optional(),
    /**
     * The zone the deadlines were set in. When present, each deadline's offset is that
     * zone's offset at that instant (checked at the edge), and instants are shown back in it.
     */
    timeZone: timeZoneNameSchema.optional(),
    /** Until this instant anyone may ask whether their data was processed. */
    inquiryCutoff: instant,
    /** From this instant the global destruction may start. */
    purgeStart: instant,
    /** 6 weeks: the Dutch administrative objection term (Awb 6:7). */
    objectionPeriod: durationSchema.default('6w'),
    /** GDPR art. 12(3): one month to answer a data subject's request (30 days here). */
    responseDeadline: durationSchema.default('30d'),
    /** How long a record kept after an objection ("retain") waits before its retention is reviewed. */
    retentionReview: durationSchema.default('26w'),
    /**
     * How the scheduled purge run treats records of this policy (wave size, approval gate,
     * reconciliation sample). Optional, so that policies stored before it keep their hash.
     */
    purgeRun: purgeRunSettingsSchema.partial().optional(),
  })
  .refine((p) => Date.parse(p.purgeStart) >= Date.parse(p.inquiryCutoff), {
    path: ['purgeStart'],
    message: 'must not be before inquiryCutoff: nothing may be destroyed while inquiries are still open',
  });

export type Policy = z.output<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;

/** The policy's fields that hold an instant: the ones a zone applies to. */
export const policyInstantFields = ['inquiryCutoff', 'purgeStart'] as const;
