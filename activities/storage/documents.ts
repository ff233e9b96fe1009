import { lstat, readdir, readFile, realpath, unlink } from 'node:fs/promises';
import { syncDir } from './fsync';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ErasureError } from '../../schemas/errors';
import type { SystemErasure, SystemVerification } from '../../schemas/erasure';
import type { ConsultationSection, DataCategory, StorageAdapter, SystemLocation } from './adapter';

/**
 * A locator is a path relative to the store's root, e.g. `reports/2023/R-17.pdf`: no
 * absolute paths, no `..`, no empty or hidden segments. Checked at import and again
 * before every file operation (with symlinks resolved), so nothing outside the root is
 * ever read or deleted.
 */
function locatorProblem(locator: string): string | undefined {
  if (isAbsolute(locator) || locator.startsWith('/')) return `documents locators are paths inside the store, not absolute paths ("${locator}")`;
  const segments = locator.split('/');
  if (segments.some((s) => s === '..' || s === '.' || s === '')) return `documents locators may not contain "..", "." or empty segments ("${locator}")`;
  if (segments.some((s) => s.startsWith('.'))) return `documents locators may not name hidden files or folders ("${locator}")`;
  if (!/^[A-Za-z0-9._/-]+$/.test(locator)) return `documents locators hold only letters, digits and . _ / - ("${locator}")`;
  return undefined;
}

/**
 * Derived copies follow a naming convention: files beside the original whose name starts
 * with the original's name and a dot — `R-17.pdf.txt` (text extract), `R-17.pdf.thumb.png`.
 */
const isDerivedOf = (original: string, candidate: string) => candidate.startsWith(`${original}.`);

/** What unlinking a file leaves behind, as the certificate states it. */
const DOCUMENTS_REACH = {
  removed: ['the located files and their derived copies (files beside them named as the file plus a suffix), unlinked, each folder fsynced'],
  checked: ['each located path, and every file beside it named as the path plus a suffix: whether it still exists'],
  notReached: [
    "the deleted files' file-system blocks, until overwritten",
    'file-system and storage snapshots',
    'copies outside the store (downloads, mail attachments, other stores) and derived copies named otherwise',
    'backups of the store made outside this product',
  ],
} as const;

/** Documents on a file store: each located file and its derived copies, deleted and fsynced. */
export function documentsAdapter(rootDir: string): StorageAdapter {
  const root = resolve(rootDir);

  /** Why a locator may not be acted on (it, or a symlink on the way, leads outside the root), or undefined. */
  const pathProblem = async (locator: string): Promise<string | undefined> => {
    const problem = locatorProblem(locator);
    if (problem) return problem;
    const path = join(root, ...locator.split('/'));
    const realRoot = await realpath(root);
    const parent = await realpath(dirname(path)).catch(() => undefined);
    if (parent !== undefined) {
      const inside = relative(realRoot, parent);
      if (inside.startsWith('..') || isAbsolute(inside)) return `documents locator "${locator}" leads outside the store (through a symbolic link); refused`;
    }
    const stat = await lstat(path).catch(() => undefined);
    if (stat?.isSymbolicLink()) return `documents locator "${locator}" is a symbolic link; only real files are erased`;
    return undefined;
  };

  /** The absolute path of a locator, refused if it (or a symlink on the way) leads outside the root. */
  const pathOf = async (locator: string): Promise<string> => {
    const problem = await pathProblem(locator);
    if (problem) throw new ErasureError('INVALID_INPUT', problem);
    return join(root, ...locator.split('/'));
  };

  /** The original (if present) and its derived copies, as absolute paths. */
  const filesOf = async (locator: string): Promise<{ original?: string; derived: string[] }> => {
    const path = await pathOf(locator);
    const name = basename(path);
    const siblings = await readdir(dirname(path)).catch(() => [] as string[]);
    const derived: string[] = [];
    for (const s of siblings.filter((s) => isDerivedOf(name, s))) {
      const stat = await lstat(join(dirname(path), s));
      if (stat.isFile()) derived.push(join(dirname(path), s));
    }
    const original = (await lstat(path).catch(() => undefined))?.isFile() ? path : undefined;
    return { ...(original ? { original } : {}), derived };
  };

  const count = async (locators: readonly string[]) => {
    let files = 0;
    let derived = 0;
    for (const l of locators) {
      const found = await filesOf(l);
      files += found.original ? 1 : 0;
      derived += found.derived.length;
    }
    return { files, 'derived-copies': derived };
  };

  return {
    system: 'documents',

    checkLocator: locatorProblem,

    async locate(locators): Promise<SystemLocation> {
      return { system: 'documents', present: await count(locators) };
    },

    async refusedLocators(locators): Promise<ReadonlyMap<string, string>> {
      const refused = new Map<string, string>();
      for (const l of locators) {
        const problem = await pathProblem(l);
        if (problem) refused.set(l, problem);
      }
      return refused;
    },

    async findMissing(locators): Promise<string[]> {
      const missing: string[] = [];
      for (const l of locators) if (!(await filesOf(l)).original) missing.push(l);
      return missing;
    },

    async erase(locators): Promise<SystemErasure> {
      let files = 0;
      let derived = 0;
      for (const l of locators) {
        const found = await filesOf(l);
        const targets = [...found.derived, ...(found.original ? [found.original] : [])];
        for (const target of targets) {
          // Erasing what is already gone is success: a retried activity removes nothing more.
          await unlink(target).catch((err: NodeJS.ErrnoException) => {
            if (err.code !== 'ENOENT') throw err;
          });
        }
        files += found.original ? 1 : 0;
        derived += found.derived.length;
        if (targets.length) await syncDir(dirname(targets[0] as string));
      }
      return {
        system: 'documents',
        method: 'unlink-and-fsync-with-derived-copies',
        locations: [...locators],
        found: {},
        removed: { files, 'derived-copies': derived },
        scope: { removed: DOCUMENTS_REACH.removed, notReached: DOCUMENTS_REACH.notReached },
      };
    },

    async verifyErased(locators): Promise<SystemVerification> {
      const remaining = await count(locators);
      return {
        system: 'documents',
        verified: remaining.files === 0 && remaining['derived-copies'] === 0,
        remaining,
        checked: DOCUMENTS_REACH.checked,
        checkedAt: new Date().toISOString(),
      };
    },

    categories: documentCategories,

    async consult(locators): Promise<ConsultationSection> {
      const items: ConsultationSection['items'][number][] = [];
      for (const l of locators) {
        const found = await filesOf(l);
        for (const file of [...(found.original ? [found.original] : []), ...found.derived]) {
          const name = relative(root, file).split(sep).join('/');
          const text = file.endsWith('.txt') ? (await readFile(file, 'utf8')).slice(0, 20_000) : undefined;
          items.push({ kind: 'document', fields: { path: name, ...(text !== undefined ? { text } : { note: 'binary file: open it from the store' }) } });
        }
      }
      return { system: 'documents', items };
    },
  };
}

/** What the document store holds of a record, as a requester understands it. */
export function documentCategories(present: Readonly<Record<string, number>>): DataCategory<'documents'>[] {
  const categories: DataCategory<'documents'>[] = [];
  if (present.files) categories.push({ category: 'documents-reports', count: present.files });
  if (present['derived-copies']) categories.push({ category: 'document-copies-extracts', count: present['derived-copies'] });
  return categories;
}
