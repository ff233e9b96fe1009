import type { Pool } from 'pg';
import type { Language } from '../schemas/actions';
import { durationMs } from '../schemas/duration';
import { ErasureError } from '../schemas/errors';
import type { StorageSystem } from '../schemas/inventory';
import type { Keys } from './crypto';
import type { Mailer } from './mail/mailer';
import { coordinatorAlertMail, destructionConfirmationMail, explanationMail, noDataFoundMail, type CoordinatorAlert } from './mail/templates';
import { consultationLogged, inquiryContact, inquiryPolicy, noMatchConfirmed, notifyOnce } from './registry/inquiries';
import { recordPolicyTimeZone } from './registry/policies';
import type { DataCategory } from './storage/adapter';

/** What sending letters needs: the registry (contact data, notifications sent), the keys that open the contact data, and the mail server. */
export interface LetterDeps {
  /** The registry database (records, locations, inquiries, certificates, access log). */
  readonly registry: Pool;
  readonly keys: Keys;
  readonly mailer: Mailer;
  readonly coordinatorsEmail: string;
}

export interface MailReceipt {
  readonly messageId: string;
}

export interface ExplanationReceipt extends MailReceipt {
  readonly sentAt: string;
  readonly objectionPeriodEnds: string;
}

async function contactOf(deps: LetterDeps, inquiryId: string) {
  const contact = await inquiryContact(deps.registry, deps.keys, inquiryId);
  if (!contact) throw new ErasureError('UNKNOWN_RECORD', `inquiry ${inquiryId} is not in the registry (destroyed already?)`);
  return contact;
}

/**
 * The confirmation that the requester's data was destroyed, once per inquiry (with the
 * inquiry's last record, while its contact data still exists), the time of destruction
 * in the zone of the record's policy.
 */
export async function sendDestructionConfirmation(deps: LetterDeps, input: { inquiryId: string; recordId: string; erasedAt: string }): Promise<void> {
  const contact = await contactOf(deps, input.inquiryId);
  await notifyOnce(deps.registry, { inquiryId: input.inquiryId, recordId: '', kind: 'destroyed' }, async () => ({
    messageId: await deps.mailer.send({
      to: contact.email,
      ...destructionConfirmationMail(contact.language, {
        reference: input.inquiryId,
        erasedAt: input.erasedAt,
        recordId: input.recordId,
        timeZone: await recordPolicyTimeZone(deps.registry, input.recordId),
      }),
      headers: { 'X-Erasure-Inquiry': input.inquiryId, 'X-Erasure-Record': input.recordId },
    }),
    details: {},
  }));
}

/**
 * The letters to requesters and the alerts to the coordinators, each sent once whatever
 * the retries (`notifyOnce`). Part of `createActivities`, which puts them behind the
 * error boundary; `categoriesOf` reads what the storage systems hold of a record.
 */
export function letterActivities(deps: LetterDeps, categoriesOf: (recordId: string, systems: readonly StorageSystem[]) => Promise<DataCategory[]>) {
  return {
    /**
     * The explanation to the requester: categories and counts of what is held, and the end
     * of the objection period, which runs from the moment of sending (fixed at the first
     * hand-over and returned unchanged on a retry).
     */
    async sendExplanation(input: {
      recordId: string;
      inquiryId: string;
      systems: StorageSystem[];
      language: Language;
      objectionPeriod: string;
      /** The explanation says a screened employee consulted the data: it must be so, after this moment. */
      consultedSince: string;
      /** The policy's zone: the letter gives the end of the objection period in it. */
      timeZone?: string;
    }): Promise<ExplanationReceipt> {
      const contact = await contactOf(deps, input.inquiryId);
      const categories = await categoriesOf(input.recordId, input.systems);
      const sent = await notifyOnce(deps.registry, { inquiryId: input.inquiryId, recordId: input.recordId, kind: 'explanation' }, async () => {
        if (!(await consultationLogged(deps.registry, input.recordId, input.consultedSince))) {
          throw new ErasureError(
            'INVALID_INPUT',
            `no screened consultation of record ${input.recordId} is in the access log since the identity was confirmed (${input.consultedSince}); ` +
              'a screened reviewer runs `erasure consult` first — the explanation tells the requester the data was consulted',
          );
        }
        const sentAt = new Date();
        const objectionPeriodEnds = new Date(sentAt.getTime() + durationMs(input.objectionPeriod)).toISOString();
        const messageId = await deps.mailer.send({
          to: contact.email,
          ...explanationMail(input.language, { reference: input.inquiryId, categories, objectionPeriodEnds, timeZone: input.timeZone }),
          headers: { 'X-Erasure-Inquiry': input.inquiryId, 'X-Erasure-Record': input.recordId },
        });
        return { messageId, details: { sentAt: sentAt.toISOString(), objectionPeriodEnds } };
      });
      return { messageId: sent.messageId, sentAt: String(sent.details.sentAt), objectionPeriodEnds: String(sent.details.objectionPeriodEnds) };
    },

    /**
     * "No data found" (only once a screened reviewer confirmed that no record is the
     * requester's), or (beingDestroyed) "your data was already being destroyed".
     */
    async sendNoDataFound(input: { inquiryId: string; beingDestroyed?: boolean }): Promise<MailReceipt> {
      const beingDestroyed = input.beingDestroyed ?? false;
      if (!beingDestroyed && !(await noMatchConfirmed(deps.registry, input.inquiryId))) {
        throw new ErasureError(
          'INVALID_INPUT',
          `inquiry ${input.inquiryId}: no screened reviewer has confirmed that no record is the requester's; a "no data found" letter waits for that`,
        );
      }
      const contact = await contactOf(deps, input.inquiryId);
      const policy = await inquiryPolicy(deps.registry, input.inquiryId);
      const letter = noDataFoundMail(contact.language, {
        reference: input.inquiryId,
        beingDestroyed,
        ...(policy ? { inquiryCutoff: policy.inquiryCutoff, ...(policy.timeZone ? { timeZone: policy.timeZone } : {}) } : {}),
      });
      const { messageId } = await notifyOnce(
        deps.registry,
        { inquiryId: input.inquiryId, recordId: '', kind: beingDestroyed ? 'being-destroyed' : 'no-data' },
        async () => ({
          messageId: await deps.mailer.send({ to: contact.email, ...letter, headers: { 'X-Erasure-Inquiry': input.inquiryId } }),
          details: {},
        }),
      );
      return { messageId };
    },

    async notifyCoordinators(input: CoordinatorAlert): Promise<MailReceipt> {
      const { messageId } = await notifyOnce(
        deps.registry,
        { inquiryId: input.inquiryId ?? '', recordId: input.recordId ?? '', kind: `${input.what}:${input.due}` },
        async () => ({
          messageId: await deps.mailer.send({
            to: deps.coordinatorsEmail,
            ...coordinatorAlertMail(input),
            headers: {
              ...(input.recordId ? { 'X-Erasure-Record': input.recordId } : {}),
              ...(input.inquiryId ? { 'X-Erasure-Inquiry': input.inquiryId } : {}),
            },
          }),
          details: {},
        }),
      );
      return { messageId };
    },
  };
}
