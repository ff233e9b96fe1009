import { ActionSigner } from '../../service/action-signer';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Pool } from 'pg';
import { createPool } from '../../activities/pg-pool';
import { importInventory, type NumberedRecord } from '../../activities/registry/import-inventory';
import { storePolicy } from '../../activities/registry/policies';
import { configuredAdapters } from '../../activities/storage';
import { startLifecycles } from '../../cli/start-lifecycles';
import { freePort } from '../../infra/free-port';
import { dataConverter } from '../../infra/payload-codec';
import { startStack, type Stack } from '../../infra/stack';
import { resolveTemporalCli } from '../../infra/temporal-cli';
import { TemporalDevServer, type DevServerOptions } from '../../infra/temporal-dev-server';
import { parseConfig, type Config } from '../../schemas/config';
import { recordWorkflowId } from '../../schemas/lifecycle';
import type { PurgeReport } from '../../schemas/purge';
import type { purgeRun } from '../../workflows';
import { workflowTypes } from '../../workflows/definitions';
import { generateCaseData } from '../case-data';
import { WorkerProcess } from './worker-process';

export const TASK_QUEUE = 'erasure';
export const DOSSIER = 'D-CHAOS';
export const PURGE_RUN_ID = 'purge-run-chaos';

export interface SeededRecord {
  readonly recordId: string;
  readonly personId: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `work`, or a rejection naming what did not happen once `ms` have passed. */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what())), Math.max(1, ms))))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One scenario's world, like bench/purge.ts: a dev server and an embedded PostgreSQL of
 * its own in a fresh temporary folder on free ports, keys shared by client and workers,
 * and worker processes started from dist/. `close()` stops all of it, whatever state
 * the scenario left it in.
 */
export class ChaosEnvironment {
  /** Signs the actions and the run's start as the erasure service would. */
  readonly signer = ActionSigner.generate().signer;

  readonly workers: WorkerProcess[] = [];
  records: readonly SeededRecord[] = [];
  private restartedServer: TemporalDevServer | undefined;

  private constructor(
    readonly dir: string,
    readonly config: Config,
    readonly stack: Stack,
    /** Direct to PostgreSQL, never through a chaos proxy: what the checks read. */
    readonly registry: Pool,
    readonly caseAdmin: Pool,
    private readonly connection: Connection,
    readonly client: Client,
    private readonly keys: Record<string, string>,
  ) {}

  static async create(): Promise<ChaosEnvironment> {
    const dir = mkdtempSync(join(tmpdir(), 'erasure-chaos-'));
    chmodSync(dir, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
    let stack: Stack | undefined;
    try {
      const config = parseConfig({ ERASURE_DATA_DIR: dir, TEMPORAL_PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()) });
      stack = await startStack(config, () => undefined, { headless: true });
      const keys = {
        ERASURE_CONTACT_KEY: randomBytes(32).toString('base64'),
        ERASURE_HMAC_KEY: randomBytes(32).toString('base64'),
        ERASURE_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
        ERASURE_PAYLOAD_KEY: randomBytes(32).toString('base64'),
      };
      const connection = await Connection.connect({ address: stack.target.connection.address ?? '' });
      const client = new Client({ connection, dataConverter: dataConverter({ current: Buffer.from(keys.ERASURE_PAYLOAD_KEY, 'base64'), previous: [] }) });
      return new ChaosEnvironment(
        dir,
        config,
        stack,
        createPool(stack.databases.registry, 5),
        createPool(stack.databases.caseAdmin, 5),
        connection,
        client,
        keys,
      );
    } catch (err) {
      await stack?.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  get address(): string {
    return this.stack.target.connection.address ?? '';
  }

  /** The worker's environment; `caseDatabaseUrl` lets a scenario put a proxy in between. */
  workerEnv(caseDatabaseUrl = this.stack.databases.caseAdmin): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...this.keys,
      TEMPORAL_ADDRESS: this.address,
      DATABASE_URL: this.stack.databases.registry,
      CASE_DATABASE_URL: caseDatabaseUrl,
      SMTP_URL: 'smtp://127.0.0.1:9', // no inquiries in these runs: nothing is mailed
      ERASURE_STORAGE_RATE: String(this.config.ERASURE_STORAGE_RATE),
      ERASURE_REPORTS_DIR: join(this.dir, 'reports'),
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    };
  }

  async startWorker(caseDatabaseUrl?: string): Promise<WorkerProcess> {
    const worker = await WorkerProcess.start(this.workerEnv(caseDatabaseUrl));
    this.workers.push(worker);
    return worker;
  }

  /** `n` due records: case data, a policy whose purge start has passed, the inventory, the lifecycles. */
  async seed(n: number): Promise<void> {
    const persons = await generateCaseData(this.caseAdmin, 'P-CHAOS-', n);
    const policy = { version: 'chaos', inquiryCutoff: new Date(Date.now() - 60_000).toISOString(), purgeStart: new Date(Date.now() - 30_000).toISOString() };
    await storePolicy(this.registry, { ...policy, objectionPeriod: '6w', responseDeadline: '30d', retentionReview: '26w' });
    this.records = persons.map((p) => ({ recordId: `R${p.slice(1)}`, personId: p }));
    const inventory: NumberedRecord[] = this.records.map((r, i) => ({
      line: i + 2,
      record: { recordId: r.recordId, dossier: DOSSIER, subjectRef: r.personId, locations: [{ system: 'case-admin', locator: `persons/${r.personId}` }] },
    }));
    const storage = configuredAdapters(this.stack.databases);
    try {
      await importInventory(this.registry, {
        sourceName: 'chaos',
        sourceSha256: '-',
        policyVersion: 'chaos',
        records: inventory,
        adapters: storage.adapters,
        hmacKey: Buffer.from(this.keys.ERASURE_HMAC_KEY ?? '', 'base64'),
      });
    } finally {
      await storage.close();
    }
    await startLifecycles({ client: this.client, registry: this.registry, taskQueue: TASK_QUEUE, actionKeys: this.signer.publicKeys });
  }

  /** The purge run's id and every record lifecycle's id (for history and pending-activity reads). */
  workflowIds(): string[] {
    return [PURGE_RUN_ID, ...this.records.map((r) => recordWorkflowId(r.recordId))];
  }

  startPurge(waveSize: number): Promise<WorkflowHandle<typeof purgeRun>> {
    return this.client.workflow.start<typeof purgeRun>(workflowTypes.purgeRun, {
      workflowId: PURGE_RUN_ID,
      taskQueue: TASK_QUEUE,
      args: [
        {
          dossier: DOSSIER,
          settings: { waveSize, reconcileSample: 0 },
          actionKeys: this.signer.publicKeys,
          startedBy: this.signer.signPurgeStart({ user: 'coordinator', role: 'coordinator' }, { workflowId: PURGE_RUN_ID }),
        },
      ],
    });
  }

  async certificates(): Promise<number> {
    return Number((await this.registry.query<{ n: string }>('SELECT count(*) AS n FROM certificates')).rows[0]?.n ?? 0);
  }

  /** Resolves once at least `count` certificates are in the ledger (the moment to strike). */
  async waitForCertificates(count: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = await this.certificates();
      if (n >= count) return n;
      if (Date.now() > deadline) throw new Error(`only ${n} of the ${count} certificates expected within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /**
   * The run's report. Errors that are not the run's own failure (the server away, a
   * connection being re-established) are waited out until `timeoutMs`.
   */
  async result(handle: WorkflowHandle<typeof purgeRun>, timeoutMs: number, log: (line: string) => void): Promise<PurgeReport> {
    const deadline = Date.now() + timeoutMs;
    let lastError = '';
    for (;;) {
      try {
        return await withTimeout(
          handle.result(),
          deadline - Date.now(),
          () => `the purge run did not finish within ${timeoutMs / 1000} s (last error: ${lastError || 'none'})`,
        );
      } catch (err) {
        if (err instanceof WorkflowFailedError || Date.now() >= deadline) throw err;
        const message = (err as Error).message;
        if (message !== lastError) log(`    (waiting for the run's result: ${message})`);
        lastError = message;
        await sleep(1_000);
      }
    }
  }

  /** Stops the dev server and, after `downMs`, starts it again on the same SQLite file and port. */
  async restartTemporal(downMs: number): Promise<void> {
    const current = this.restartedServer ?? this.stack.temporal;
    if (!current) throw new Error('this stack runs no dev server of its own');
    await current.stop();
    await sleep(downMs);
    const cli = await resolveTemporalCli(process.env, () => undefined);
    const options: DevServerOptions = {
      cliPath: cli.path,
      dbFile: join(this.stack.dataDir, 'temporal', 'temporal.db'),
      logFile: join(this.stack.dataDir, 'temporal', 'server.log'),
      port: this.config.TEMPORAL_PORT,
      uiPort: this.config.TEMPORAL_UI_PORT,
      headless: true,
      namespace: this.config.TEMPORAL_NAMESPACE,
    };
    this.restartedServer = await TemporalDevServer.start(options);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop().catch(() => undefined)));
    await this.connection.close().catch(() => undefined);
    await Promise.all([this.registry.end(), this.caseAdmin.end()]).catch(() => undefined);
    await this.restartedServer?.stop().catch(() => undefined);
    await this.stack.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
