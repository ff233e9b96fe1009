import { createPool } from '../pg-pool';
import { adapterRegistry, type AdapterRegistry } from './adapter';
import { caseAdminAdapter } from './case-admin';

export interface ConfiguredAdapters {
  readonly adapters: AdapterRegistry;
  close(): Promise<void>;
}

/**
 * The storage systems this deployment can erase from. Pools connect lazily, so the CLI
 * can use the adapters to check locators without touching the systems.
 */
export function configuredAdapters(urls: { caseAdmin: string }): ConfiguredAdapters {
  const caseAdmin = createPool(urls.caseAdmin, 10);
  return {
    adapters: adapterRegistry([caseAdminAdapter(caseAdmin)]),
    close: () => caseAdmin.end(),
  };
}
