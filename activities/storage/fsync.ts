import { open } from 'node:fs/promises';

/** Makes a deletion durable: the directory entry is gone from disk, not only from the cache. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
