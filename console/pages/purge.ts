import type { ConsoleRoute } from '../page';

/** The purge pages (to be built). */
export function purgeRoutes(): ConsoleRoute[] {
  return [];
}
