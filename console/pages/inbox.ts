import type { ConsoleRoute } from '../page';

/** The inbox pages (to be built). */
export function inboxRoutes(): ConsoleRoute[] {
  return [];
}
