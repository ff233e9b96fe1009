import { z } from 'zod';

/** A backup is gzip'd JSON lines: a header, clear and sealed lines, and an end line (truncation shows). */
export const BACKUP_FORMAT = 'erasure-backup/1';

const tableName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a table name');
const row = z.record(z.string(), z.unknown());

export const headerLine = z.strictObject({
  format: z.literal(BACKUP_FORMAT),
  backupId: z.string().regex(/^backup-[0-9TZ]+(?:-[0-9]+)?$/),
  createdAt: z.iso.datetime(),
  /** The case administration's root table: its rows name the units (`<root>/<key>`). */
  root: tableName,
});

/**
 * Rows stored in the clear: tables that hold nobody (organisations, the registry's ids),
 * rows that reach no person, and for `nullify` tables the copy with the person's columns
 * already nulled (`unit` set: restored only when that unit's key is gone).
 */
export const clearLine = z.strictObject({
  clear: z.strictObject({
    source: z.enum(['case-admin', 'registry']),
    table: tableName,
    unit: z.string().optional(),
    rows: z.array(row),
  }),
});

/** One person's rows, sealed with their own key (AES-256-GCM, the unit name as associated data). */
export const sealedLine = z.strictObject({
  unit: z.string().regex(/^[a-z_][a-z0-9_]*\/[A-Za-z0-9._:-]+$/),
  sealed: z.string().regex(/^[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]*$/),
});

export const endLine = z.strictObject({ end: z.strictObject({ units: z.number().int().nonnegative(), lines: z.number().int().nonnegative() }) });

export const backupLine = z.union([clearLine, sealedLine, endLine]);
export type BackupHeader = z.infer<typeof headerLine>;
export type ClearLine = z.infer<typeof clearLine>['clear'];

/** What a sealed line holds once opened: the unit's rows per table. */
export const unitContent = z.strictObject({ rows: z.record(tableName, z.array(row)) });
export type UnitContent = z.infer<typeof unitContent>;

export const sealContext = (unit: string) => `erasure-backup:${unit}`;
