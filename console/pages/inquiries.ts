import type { ConsoleRoute } from '../page';

/** The inquiries pages (to be built). */
export function inquiriesRoutes(): ConsoleRoute[] {
  return [];
}
