import type { ConsoleRoute } from '../page';

/** The report pages (to be built). */
export function reportRoutes(): ConsoleRoute[] {
  return [];
}
