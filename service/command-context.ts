import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Config } from '../schemas/config';
import type { Actor, Role } from '../schemas/roles';
import type { ActionSigner } from './action-signer';
import type { SessionView } from './auth-backend';
import type { ServiceConnections } from './connections';
import { ErasureError } from '../schemas/errors';

/** A file the service hands to the person's own machine: the CLI writes it there (docs/ARCHITECTURE.md, "The erasure service"). */
export interface DeliveredFile {
  /** The path as the person gave it; the CLI resolves it on their machine. */
  readonly path: string;
  readonly content: string;
  /** Never overwrite a file made before (exports). */
  readonly exclusive?: boolean;
}

/**
 * What a command needs while it runs inside the erasure service for one signed-in person:
 * the service's own connections (the person's machine holds none), the person acting in
 * their role, and the lines and files that go back to them.
 */
export interface CommandContext {
  readonly config: Config;
  readonly out: (line: string) => void;
  readonly progress: (line: string) => void;
  registry(): Pool;
  client(): Promise<Client>;
  /**
   * The signed-in account in its role, if that role may do `what`. The route has checked
   * the role already; this names the actor and refuses what a route allows only in part
   * (e.g. `backup check --erase`).
   */
  actor(needs: readonly Role[], what: string): Actor;
  /** The signed-in account's id, whatever its role (the administrator acts on accounts, not on records). */
  actorAccount(): string;
  deliver(file: DeliveredFile): void;
  /** The service's own key: it signs every action it sends to a workflow (docs/ARCHITECTURE.md, "Signed actions"). */
  readonly signer: ActionSigner;
}

/** Where a command's lines and files go: the API streams them, the console shows them. */
export interface CommandSink {
  readonly out: (line: string) => void;
  readonly progress: (line: string) => void;
  readonly deliver: (file: DeliveredFile) => void;
}

/** The context of a command run for the signed-in `session` on the service's own connections. */
export function commandContextFor(session: SessionView, deps: { config: Config; connections: ServiceConnections }, sink: CommandSink): CommandContext {
  return {
    config: deps.config,
    ...sink,
    registry: () => deps.connections.registry(),
    client: () => deps.connections.client(),
    actor: (needs: readonly Role[], what: string): Actor => {
      const role = needs.find((r) => r === session.role);
      if (!role)
        throw new ErasureError('FORBIDDEN', `${what} is for the role ${needs.join(' or ')}; you are signed in as ${session.accountId} (${session.role})`);
      return { user: session.accountId, role };
    },
    actorAccount: () => session.accountId,
    get signer() {
      return deps.connections.signer();
    },
  };
}
