import type { ConsoleRoute } from '../page';

/** The logs pages (to be built). */
export function logsRoutes(): ConsoleRoute[] {
  return [];
}
