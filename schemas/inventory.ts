import { z } from 'zod';

/** Storage systems a record can live in. Each needs an adapter before it may be imported. */
export const storageSystems = ['case-admin', 'documents', 'mailbox', 'backups'] as const;
export const storageSystemSchema = z.enum(storageSystems);
export type StorageSystem = z.infer<typeof storageSystemSchema>;

const identifier = (what: string, example: string) =>
  z
    .string()
    .trim()
    .min(1, `${what} is empty; give an identifier such as "${example}"`)
    .max(128, `${what} is longer than 128 characters`)
    .regex(/^(?:[A-Za-z0-9][A-Za-z0-9._:-]*)?$/, `${what} may hold only letters, digits and . _ : - (an id, never a name)`);

export const locationSchema = z.strictObject({
  system: storageSystemSchema,
  /** Where the data sits inside the system, e.g. `persons/P-000017` in the case administration. */
  locator: z
    .string()
    .trim()
    .min(1, 'locator is empty')
    .max(512)
    .regex(/^[A-Za-z0-9._:/@+=-]*$/, 'a locator holds only letters, digits and . _ : / @ + = - (a reference, never personal data)')
    .refine((l) => !l.split('/').includes('..'), 'a locator may not contain ".." segments'),
});
export type Location = z.infer<typeof locationSchema>;

/**
 * One record of the inventory: ids and references only. The subject reference points to
 * the subject in the system of record; the name itself never enters the registry or Temporal.
 */
export const inventoryRecordSchema = z.strictObject({
  recordId: identifier('recordId', 'R-000017'),
  dossier: identifier('dossier', 'D-2024-01'),
  subjectRef: identifier('subjectRef', 'P-000017'),
  locations: z.array(locationSchema).min(1, 'a record needs at least one location to erase'),
});
export type InventoryRecord = z.infer<typeof inventoryRecordSchema>;

/** Parses the text form `system:locator` used in CSV inventories. */
export function parseLocationText(text: string): { system: string; locator: string } {
  const colon = text.indexOf(':');
  if (colon < 0) return { system: '', locator: text.trim() };
  return { system: text.slice(0, colon).trim(), locator: text.slice(colon + 1).trim() };
}
