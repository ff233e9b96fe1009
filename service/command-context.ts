import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Config } from '../schemas/config';
import type { Actor, Role } from '../schemas/roles';
import type { ActionSigner } from './action-signer';

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
