import type { CategoryOf } from '../../schemas/data-categories';
import type { StorageSystem } from '../../schemas/inventory';
import type { SystemErasure, SystemVerification } from '../../schemas/erasure';

/** What a storage system holds of one record, in counts per kind; no content. */
export interface SystemLocation {
  readonly system: StorageSystem;
  readonly present: Readonly<Record<string, number>>;
}

/** What a system holds, as categories a requester understands (labelled in the letters), with counts; no content. */
export interface DataCategory<S extends StorageSystem = StorageSystem> {
  readonly category: CategoryOf<S>;
  readonly count: number;
}

/**
 * The data itself, for a screened reviewer's consultation only. It never leaves the
 * process that asked for it (never an activity result, never a log line).
 */
export interface ConsultationSection {
  readonly system: StorageSystem;
  readonly items: readonly { readonly kind: string; readonly fields: Readonly<Record<string, string>> }[];
}

export interface SubjectIdentifiers {
  readonly name: string;
  readonly residence: string;
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
  /**
   * Locators the system refuses for what only it can see (a documents path through a
   * symbolic link), each with its reason: the import lists them with the file's other
   * problems instead of failing on the first. They are not passed to `findMissing`.
   */
  refusedLocators?(locators: readonly string[]): Promise<ReadonlyMap<string, string>>;
  erase(locators: readonly string[]): Promise<SystemErasure>;
  verifyErased(locators: readonly string[]): Promise<SystemVerification>;
  /**
   * A purge batch at once (docs/ARCHITECTURE.md, "Batched erasure"): what `locate`,
   * `erase` and `verifyErased` give, per record, for many records in one pass (one
   * transaction in a database). Without them the batch calls those once per record.
   */
  locateEach?(byRecord: ReadonlyMap<string, readonly string[]>): Promise<Map<string, Record<string, number>>>;
  eraseEach?(byRecord: ReadonlyMap<string, readonly string[]>): Promise<Map<string, Omit<SystemErasure, 'found'>>>;
  verifyEach?(byRecord: ReadonlyMap<string, readonly string[]>): Promise<Map<string, SystemVerification>>;
  /** Turns `locate` counts into data categories for the requester's explanation. */
  categories(present: Readonly<Record<string, number>>): DataCategory[];
  /** Everything held under the locators, for a screened consultation. */
  consult(locators: readonly string[]): Promise<ConsultationSection>;
  /** Name and residence of the subject, for the system that holds them (to compute the HMAC). */
  subjects?(locators: readonly string[]): Promise<Map<string, SubjectIdentifiers>>;
}

export type AdapterRegistry = ReadonlyMap<StorageSystem, StorageAdapter>;

export function adapterRegistry(adapters: readonly StorageAdapter[]): AdapterRegistry {
  return new Map(adapters.map((a) => [a.system, a]));
}
