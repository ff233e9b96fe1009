import { z } from 'zod';
import type { StorageSystem } from './inventory';

/**
 * Every kind of data a storage system can report for a requester, by system. One list, so
 * that the letters' label tables (`Record<DataCategoryId, string>` per language) cannot
 * miss one: a new category without its labels does not compile.
 */
export const dataCategoriesBySystem = {
  'case-admin': ['identity-residence-belief', 'notes-behaviour-statements', 'note-sources', 'organisation-links'],
  documents: ['documents-reports', 'document-copies-extracts'],
  mailbox: ['e-mails'],
  backups: ['backup-copies'],
} as const satisfies Record<StorageSystem, readonly string[]>;

/** The categories one system reports. */
export type CategoryOf<S extends StorageSystem> = (typeof dataCategoriesBySystem)[S][number];
export type DataCategoryId = CategoryOf<StorageSystem>;

export const dataCategoryIds: readonly DataCategoryId[] = Object.values(dataCategoriesBySystem).flat();

export const dataCategoryIdSchema = z.enum(dataCategoryIds as [DataCategoryId, ...DataCategoryId[]]);
