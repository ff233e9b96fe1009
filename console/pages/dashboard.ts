import type { ConsoleRoute } from '../page';

/** The dashboard pages (to be built). */
export function dashboardRoutes(): ConsoleRoute[] {
  return [];
}
