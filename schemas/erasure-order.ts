import { z } from 'zod';
import { actorSchema } from './roles';
import { identityMethodSchema } from './actions';
import { storageSystemSchema } from './inventory';
import { proofSchema } from './signed-action';

/**
 * What a lifecycle hands over when it accepts a purge run's release: everything its
 * deletion certificate needs besides what the storage systems and the registry say (ids,
 * references and the signed decisions only). The release update answers with it; the run
 * keeps it in the registry until the batch that erases the record has certified it.
 */
export const erasureOrderSchema = z.strictObject({
  recordId: z.string().min(1),
  systems: z.array(storageSystemSchema),
  workflowId: z.string().min(1),
  runId: z.string().min(1),
  erasureStartedAt: z.iso.datetime(),
  inquiryId: z.string().min(1).optional(),
  identity: z.strictObject({ method: identityMethodSchema, reference: z.string().min(1), confirmedAt: z.iso.datetime() }).optional(),
  decisionRefs: z.array(z.string()),
  decisions: z
    .array(
      z.strictObject({
        action: z.string(),
        actor: actorSchema,
        at: z.iso.datetime(),
        workflowId: z.string(),
        update: z.string(),
        body: z.record(z.string(), z.unknown()),
        proof: proofSchema,
      }),
    )
    .optional(),
  /** Drawn by the lifecycle when it accepted the release: only the one told it can end the lifecycle's wait. */
  ticket: z.string().min(1).optional(),
});
export type ErasureOrder = z.infer<typeof erasureOrderSchema>;

/** What the batch that erased a record tells its lifecycle, with the ticket of the release. */
export const erasureOutcomeSchema = z.strictObject({
  ticket: z.string().min(1),
  outcome: z.union([
    z.strictObject({
      kind: z.literal('erased'),
      certificateId: z.string().min(1),
      sequence: z.int().nonnegative(),
      issuedAt: z.iso.datetime(),
      verifiedAt: z.iso.datetime(),
      systems: z.array(z.strictObject({ system: storageSystemSchema, removed: z.record(z.string(), z.int().nonnegative()) })),
      inquiryClosed: z.boolean(),
    }),
    /** The record failed inside the batch: the lifecycle erases it on its own, with its own retries, as a retried erasure. */
    z.strictObject({ kind: z.literal('alone'), reason: z.string() }),
  ]),
});
export type ErasureOutcome = z.infer<typeof erasureOutcomeSchema>;
