import type { ConsoleRoute } from '../page';

/** The records pages (to be built). */
export function recordsRoutes(): ConsoleRoute[] {
  return [];
}
