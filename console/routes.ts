import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../infra/paths';
import type { ServiceDeps } from '../service/app';
import type { ServiceRoute } from '../service/routes';
import { CsrfTokens } from './cookies';
import { consoleHandler } from './gate';
import type { ConsoleRequest, ConsoleRoute } from './page';
import { accountsRoutes } from './pages/accounts';
import { dashboardRoutes } from './pages/dashboard';
import { inboxRoutes } from './pages/inbox';
import { inquiriesRoutes } from './pages/inquiries';
import { logsRoutes } from './pages/logs';
import { purgeRoutes } from './pages/purge';
import { recordsRoutes } from './pages/records';
import { reportRoutes } from './pages/report';
import { signInRoutes } from './pages/sign-in';

/** The console's stylesheet and script, served from the source tree (`console/assets`), read once. */
const ASSETS_DIR = join(projectRoot(), 'console', 'assets');
const ASSETS = [
  { url: '/assets/console.css', file: 'console.css', type: 'text/css; charset=utf-8' },
  { url: '/assets/console.js', file: 'console.js', type: 'text/javascript; charset=utf-8' },
] as const;

/**
 * Every route of the console, each declared with its access like the API's
 * (docs/ARCHITECTURE.md, "The console"); the console's own gate runs in each handler.
 */
export function consoleRoutes(deps: ServiceDeps): ServiceRoute[] {
  const csrf = new CsrfTokens();
  const pages: ConsoleRoute<ConsoleRequest>[] = [
    ...signInRoutes(),
    ...([
      ...dashboardRoutes(),
      ...inboxRoutes(),
      ...inquiriesRoutes(),
      ...recordsRoutes(),
      ...purgeRoutes(),
      ...reportRoutes(),
      ...logsRoutes(),
      ...accountsRoutes(),
    ] as unknown as ConsoleRoute<ConsoleRequest>[]),
  ];
  const assets = ASSETS.map((asset): ServiceRoute => {
    const content = readFileSync(join(ASSETS_DIR, asset.file));
    return {
      method: 'GET',
      url: asset.url,
      access: { public: true },
      ownGate: true,
      handle: async (_request, reply) => reply.type(asset.type).header('Cache-Control', 'no-cache').send(content),
    };
  });
  return [
    ...assets,
    ...pages.map((page): ServiceRoute => ({
      method: page.method,
      url: page.url,
      access: page.access,
      what: page.what,
      ownGate: true,
      handle: consoleHandler(page, deps, csrf),
    })),
  ];
}
