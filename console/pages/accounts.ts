import type { ConsoleRoute } from '../page';

/** The accounts pages (to be built). */
export function accountsRoutes(): ConsoleRoute[] {
  return [];
}
