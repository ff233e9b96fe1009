import type { Pool } from 'pg';
import { ErasureError } from '../../schemas/errors';
import type { SystemErasure, SystemVerification } from '../../schemas/erasure';
import { backupKeyStore } from '../backup/key-store';
import type { ConsultationSection, DataCategory, StorageAdapter, SystemLocation } from './adapter';

/** A person in the backups: `<root table>/<key>` of the case administration, e.g. persons/P-000017. */
const LOCATOR = /^[a-z_][a-z0-9_]*\/[A-Za-z0-9._:-]+$/;

const checked = (locators: readonly string[]): string[] =>
  locators.map((l) => {
    if (!LOCATOR.test(l)) throw new ErasureError('INVALID_INPUT', `not a backups locator: ${l} (expected <table>/<id>, e.g. persons/P-000017)`);
    return l;
  });

/** What destroying a backup key reaches, as the certificate states it. */
const BACKUPS_REACH = {
  removed: [
    "the person's backup key in the registry's key store: the person's rows in every backup made by `erasure backup create` are sealed under it and can no longer be opened",
  ],
  checked: ["the registry's backup key store: whether a key is left for these persons"],
  notReached: [
    'the sealed rows themselves, which stay in the backup files (unreadable without the key)',
    "the destroyed key's bytes in the registry database's dead row versions (until VACUUM), its write-ahead log and its replicas",
    'backups of the registry database made outside this product, which still hold the key',
    'copies of backup files and backups of the case administration made outside this product',
  ],
} as const;

/**
 * The backups made by `erasure backup create`, which cannot be edited: a person is erased
 * from all of them at once by destroying their backup key (crypto-shredding). What the
 * backups hold is counted from the registry (keys, and the backups that list the person).
 */
export function backupsAdapter(registry: Pool): StorageAdapter {
  const keys = backupKeyStore(registry);
  const counts = async (locators: readonly string[]) => {
    const units = checked(locators);
    const { rows } = await registry.query<{ keys: number; copies: number }>(
      `SELECT (SELECT count(*)::int FROM backup_keys WHERE unit = ANY($1)) AS keys,
              (SELECT count(*)::int FROM backup_units WHERE unit = ANY($1)) AS copies`,
      [units],
    );
    return { 'backup-keys': rows[0]?.keys ?? 0, 'backup-copies': rows[0]?.copies ?? 0 };
  };
  return {
    system: 'backups',

    checkLocator(locator) {
      return LOCATOR.test(locator)
        ? undefined
        : `backups locators name the person as the backup seals them, "<table>/<id>" (e.g. persons/P-000017), not "${locator}"`;
    },

    async locate(locators): Promise<SystemLocation> {
      return { system: 'backups', present: await counts(locators) };
    },

    async findMissing(locators): Promise<string[]> {
      const units = checked(locators);
      const { rows } = await registry.query<{ unit: string }>(
        'SELECT unit FROM backup_keys WHERE unit = ANY($1) UNION SELECT unit FROM backup_units WHERE unit = ANY($1)',
        [units],
      );
      const found = new Set(rows.map((r) => r.unit));
      return units.filter((u) => !found.has(u));
    },

    async erase(locators): Promise<SystemErasure> {
      const destroyed = await keys.destroy(checked(locators));
      return {
        system: 'backups',
        method: 'crypto-shredding-backup-key-destroyed',
        locations: [...locators],
        found: {},
        removed: { 'backup-keys': destroyed },
        scope: { removed: BACKUPS_REACH.removed, notReached: BACKUPS_REACH.notReached },
      };
    },

    async verifyErased(locators): Promise<SystemVerification> {
      // The copies stay in the backup files; without the key they are noise. Verified = no key left.
      const left = (await keys.get(checked(locators))).size;
      return {
        system: 'backups',
        verified: left === 0,
        remaining: { 'backup-keys': left },
        checked: BACKUPS_REACH.checked,
        checkedAt: new Date().toISOString(),
      };
    },

    categories: backupCategories,

    async consult(locators): Promise<ConsultationSection> {
      const { rows } = await registry.query<{ unit: string; backup_id: string; created_at: Date }>(
        'SELECT u.unit, b.backup_id, b.created_at FROM backup_units u JOIN backups b USING (backup_id) WHERE u.unit = ANY($1) ORDER BY b.created_at',
        [checked(locators)],
      );
      // The backups hold the same rows as the case administration did then: listed, not opened.
      return {
        system: 'backups',
        items: rows.map((r) => ({ kind: 'backup-copy', fields: { person: r.unit, backup: r.backup_id, made: r.created_at.toISOString() } })),
      };
    },
  };
}

/** What the backups hold of a person, as a requester understands it. */
export const backupCategories = (present: Readonly<Record<string, number>>): DataCategory<'backups'>[] =>
  present['backup-copies'] ? [{ category: 'backup-copies', count: present['backup-copies'] }] : [];
