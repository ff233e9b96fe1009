import { ApplicationFailure } from '@temporalio/activity';
import type { Pool } from 'pg';
import type { CertificateReceipt, IssueCertificateInput, SystemErasure, SystemVerification } from '../schemas/erasure';
import { ErasureError } from '../schemas/errors';
import type { StorageSystem } from '../schemas/inventory';
import type { AdapterRegistry } from './storage/adapter';
import { issueCertificate } from './registry/certificates';
import { recordLocators } from './registry/records';

export interface ActivityDeps {
  /** The registry database (records, locations, certificates, access log). */
  readonly registry: Pool;
  readonly adapters: AdapterRegistry;
}

export interface SystemRequest {
  readonly recordId: string;
  readonly system: StorageSystem;
}

/** Errors that retrying cannot fix become non-retryable failures typed by their code. */
async function classify<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ErasureError && err.code !== 'VERIFICATION_FAILED') {
      throw ApplicationFailure.nonRetryable(err.message, err.code);
    }
    throw err;
  }
}

/**
 * Every side effect of the lifecycle. Activities take and return ids, counts and
 * locators, never personal data (invariant 1), and are idempotent, so Temporal may
 * retry any of them.
 */
export function createActivities(deps: ActivityDeps) {
  const adapterFor = (system: StorageSystem) => {
    const adapter = deps.adapters.get(system);
    if (!adapter) throw new ErasureError('UNSUPPORTED_SYSTEM', `no storage adapter for "${system}" is configured on this worker`);
    return adapter;
  };

  return {
    async eraseInSystem(request: SystemRequest): Promise<SystemErasure> {
      return classify(async () => {
        const adapter = adapterFor(request.system);
        return adapter.erase(await recordLocators(deps.registry, request.recordId, request.system));
      });
    },

    async verifyErasedInSystem(request: SystemRequest): Promise<SystemVerification> {
      return classify(async () => {
        const adapter = adapterFor(request.system);
        return adapter.verifyErased(await recordLocators(deps.registry, request.recordId, request.system));
      });
    },

    async issueCertificate(input: IssueCertificateInput): Promise<CertificateReceipt> {
      return classify(() => issueCertificate(deps.registry, input));
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
