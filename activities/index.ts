import { ApplicationFailure } from '@temporalio/activity';
import type { Pool } from 'pg';
import type { Language } from '../schemas/actions';
import type { CertificateReceipt, IssueCertificateInput, SystemErasure, SystemVerification } from '../schemas/erasure';
import { ErasureError } from '../schemas/errors';
import type { StorageSystem } from '../schemas/inventory';
import type { Keys } from './crypto';
import type { Mailer } from './mail/mailer';
import { coordinatorAlertMail, destructionConfirmationMail, explanationMail, noDataFoundMail } from './mail/templates';
import type { AdapterRegistry, DataCategory } from './storage/adapter';
import { issueCertificate } from './registry/certificates';
import { destroyInquiryData, inquiryContact, notifyOnce, type InquiryDestruction } from './registry/inquiries';
import { recordLocators, snapshotOnce } from './registry/records';

export interface ActivityDeps {
  /** The registry database (records, locations, inquiries, certificates, access log). */
  readonly registry: Pool;
  readonly adapters: AdapterRegistry;
  readonly keys: Keys;
  readonly mailer: Mailer;
  readonly coordinatorsEmail: string;
}

export interface SystemRequest {
  readonly recordId: string;
  readonly system: StorageSystem;
}

export interface MailReceipt {
  readonly messageId: string;
}

/**
 * Errors that retrying cannot fix become non-retryable failures typed by their code.
 * A database error's message can quote the values it choked on (`invalid input syntax
 * ... "<value>"`), and failures are kept in workflow history: it crosses the boundary as
 * its SQLSTATE, table and constraint only; the full text stays in this worker's log.
 */
async function classify<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ErasureError && err.code !== 'VERIFICATION_FAILED') {
      throw ApplicationFailure.nonRetryable(err.message, err.code);
    }
    const db = err as { code?: unknown; severity?: unknown; table?: string; constraint?: string; routine?: string };
    if (typeof db.code === 'string' && typeof db.severity === 'string') {
      console.error(`database error in an activity: ${(err as Error).message}`);
      const where = [db.table && `table ${db.table}`, db.constraint && `constraint ${db.constraint}`, db.routine && `in ${db.routine}`].filter(Boolean).join(', ');
      throw ApplicationFailure.retryable(`database error SQLSTATE ${db.code}${where ? ` (${where})` : ''}`, 'DATABASE_ERROR');
    }
    throw err;
  }
}

/**
 * Every side effect of the lifecycle. Activities take and return ids, counts, dates and
 * message ids, never personal data (invariant 1), and are idempotent, so Temporal may
 * retry any of them.
 */
export function createActivities(deps: ActivityDeps) {
  const adapterFor = (system: StorageSystem) => {
    const adapter = deps.adapters.get(system);
    if (!adapter) throw new ErasureError('UNSUPPORTED_SYSTEM', `no storage adapter for "${system}" is configured on this worker`);
    return adapter;
  };
  const contactOf = async (inquiryId: string) => {
    const contact = await inquiryContact(deps.registry, deps.keys, inquiryId);
    if (!contact) throw new ErasureError('UNKNOWN_RECORD', `inquiry ${inquiryId} is not in the registry (destroyed already?)`);
    return contact;
  };
  const categoriesOf = async (recordId: string, systems: readonly StorageSystem[]): Promise<DataCategory[]> => {
    const categories: DataCategory[] = [];
    for (const system of systems) {
      const adapter = adapterFor(system);
      categories.push(...adapter.categories((await adapter.locate(await recordLocators(deps.registry, recordId, system))).present));
    }
    return categories;
  };

  return {
    async eraseInSystem(request: SystemRequest): Promise<SystemErasure> {
      return classify(async () => {
        const adapter = adapterFor(request.system);
        const locators = await recordLocators(deps.registry, request.recordId, request.system);
        const found = await snapshotOnce(deps.registry, request.recordId, request.system, async () => (await adapter.locate(locators)).present);
        return { ...(await adapter.erase(locators)), found };
      });
    },

    async verifyErasedInSystem(request: SystemRequest): Promise<SystemVerification> {
      return classify(async () =>
        adapterFor(request.system).verifyErased(await recordLocators(deps.registry, request.recordId, request.system)),
      );
    },

    async issueCertificate(input: IssueCertificateInput): Promise<CertificateReceipt> {
      return classify(() => issueCertificate(deps.registry, input));
    },

    /** The explanation to the requester: categories and counts of what is held, and the objection period. */
    async sendExplanation(input: {
      recordId: string;
      inquiryId: string;
      systems: StorageSystem[];
      language: Language;
      objectionPeriodEnds: string;
    }): Promise<MailReceipt> {
      return classify(async () => {
        const contact = await contactOf(input.inquiryId);
        const categories = await categoriesOf(input.recordId, input.systems);
        const { messageId } = await notifyOnce(deps.registry, { inquiryId: input.inquiryId, recordId: input.recordId, kind: 'explanation' }, () =>
          deps.mailer.send({
            to: contact.email,
            ...explanationMail(input.language, { reference: input.inquiryId, categories, objectionPeriodEnds: input.objectionPeriodEnds }),
            headers: { 'X-Erasure-Inquiry': input.inquiryId, 'X-Erasure-Record': input.recordId },
          }),
        );
        return { messageId };
      });
    },

    /** The last message to the requester, sent before their contact data is destroyed. */
    async sendDestructionConfirmation(input: { recordId: string; inquiryId: string; erasedAt: string }): Promise<MailReceipt | null> {
      return classify(async () => {
        const contact = await inquiryContact(deps.registry, deps.keys, input.inquiryId);
        if (!contact) return null; // destroyed by an earlier attempt, after the message went out
        const { messageId } = await notifyOnce(deps.registry, { inquiryId: input.inquiryId, recordId: input.recordId, kind: 'destroyed' }, () =>
          deps.mailer.send({
            to: contact.email,
            ...destructionConfirmationMail(contact.language, { reference: input.inquiryId, erasedAt: input.erasedAt, certificateRef: `record ${input.recordId}` }),
            headers: { 'X-Erasure-Inquiry': input.inquiryId, 'X-Erasure-Record': input.recordId },
          }),
        );
        return { messageId };
      });
    },

    async sendNoDataFound(input: { inquiryId: string }): Promise<MailReceipt> {
      return classify(async () => {
        const contact = await contactOf(input.inquiryId);
        const { messageId } = await notifyOnce(deps.registry, { inquiryId: input.inquiryId, recordId: '', kind: 'no-data' }, () =>
          deps.mailer.send({ to: contact.email, ...noDataFoundMail(contact.language, { reference: input.inquiryId }), headers: { 'X-Erasure-Inquiry': input.inquiryId } }),
        );
        return { messageId };
      });
    },

    async notifyCoordinators(input: { recordId: string; inquiryId?: string; what: 'response-overdue' | 'retention-review'; due: string }): Promise<MailReceipt> {
      return classify(async () => {
        const { messageId } = await notifyOnce(
          deps.registry,
          { inquiryId: input.inquiryId ?? '', recordId: input.recordId, kind: `${input.what}:${input.due}` },
          () => deps.mailer.send({ to: deps.coordinatorsEmail, ...coordinatorAlertMail(input), headers: { 'X-Erasure-Record': input.recordId } }),
        );
        return { messageId };
      });
    },

    async destroyInquiryData(input: { inquiryId: string; recordId?: string }): Promise<InquiryDestruction> {
      return classify(() => destroyInquiryData(deps.registry, input.inquiryId, input.recordId));
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
