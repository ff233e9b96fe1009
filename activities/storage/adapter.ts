import type { StorageSystem } from '../../schemas/inventory';
import type { SystemErasure, SystemVerification } from '../../schemas/erasure';

/** What a storage system holds of one record, in counts per kind; no content. */
export interface SystemLocation {
  readonly system: StorageSystem;
  readonly present: Readonly<Record<string, number>>;
}

/**
 * One storage system behind one small interface. Every operation is idempotent: erasing
 * what is already gone succeeds with zero removed, so activities can simply be retried.
 */
export interface StorageAdapter {
  readonly system: StorageSystem;
  /** Checks that a locator is one this adapter can act on; returns a problem text if not. */
  checkLocator(locator: string): string | undefined;
  locate(locators: readonly string[]): Promise<SystemLocation>;
  /** The locators under which the system holds nothing at all (an inventory pointing nowhere). */
  findMissing(locators: readonly string[]): Promise<string[]>;
  erase(locators: readonly string[]): Promise<SystemErasure>;
  verifyErased(locators: readonly string[]): Promise<SystemVerification>;
}

export type AdapterRegistry = ReadonlyMap<StorageSystem, StorageAdapter>;

export function adapterRegistry(adapters: readonly StorageAdapter[]): AdapterRegistry {
  return new Map(adapters.map((a) => [a.system, a]));
}
