import { createPool } from '../pg-pool';
import { adapterRegistry, type AdapterRegistry } from './adapter';
import { caseAdminAdapter } from './case-admin';
import { documentsAdapter } from './documents';
import { maildirAdapter } from './maildir';

export interface ConfiguredAdapters {
  readonly adapters: AdapterRegistry;
  close(): Promise<void>;
}

/**
 * The storage systems this deployment can erase from. Pools connect lazily, so the CLI
 * can use the adapters to check locators without touching the systems.
 */
export function configuredAdapters(urls: { caseAdmin: string }, options: { documentsRoot?: string | undefined; maildir?: string | undefined } = {}): ConfiguredAdapters {
  const caseAdmin = createPool(urls.caseAdmin, 10);
  return {
    // A system without configuration has no adapter: its locations are refused at import.
    adapters: adapterRegistry([
      caseAdminAdapter(caseAdmin),
      ...(options.documentsRoot ? [documentsAdapter(options.documentsRoot)] : []),
      ...(options.maildir ? [maildirAdapter(options.maildir)] : []),
    ]),
    close: () => caseAdmin.end(),
  };
}
