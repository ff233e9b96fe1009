import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { PurgeReport } from '../../schemas/purge';
import { recordWorkflowId } from '../../schemas/lifecycle';
import { actionUpdates, type recordLifecycle } from '../../workflows';
import { failedChecks, inspect, resultLine, type Outcome } from './checks';
import { ChaosEnvironment } from './harness';
import { activityRetries, describeRetries, failActivitiesOf, workerIdentity } from './histories';
import { FlakyProxy } from './proxy';
import type { WorkerProcess } from './worker-process';

export const scenarioNames = ['kill-worker', 'db-outage', 'server-restart'] as const;
export type ScenarioName = (typeof scenarioNames)[number];

export interface ScenarioOptions {
  readonly records: number;
  readonly waveSize: number;
  /** db-outage: how long the case database refuses connections. */
  readonly outageMs: number;
  /** server-restart: how long the dev server stays down. */
  readonly serverDownMs: number;
  /** The fault strikes once this share of the records is certified (after some, before all; 0: at the run's start). */
  readonly strikeAt: number;
  /** How long the purge run may take, faults and recovery included. */
  readonly runTimeoutMs: number;
  /**
   * When a worker dies (killed, or crashed of the fault), fail the activities it had
   * started by id, as an operator would with `temporal activity fail`, instead of
   * waiting for their timeouts (a wave's batch, eraseReleased: 2 minutes; eraseRecord: 1 minute).
   */
  readonly failDeadWorkersActivities: boolean;
  readonly log: (line: string) => void;
}

export const defaultScenarioOptions: Omit<ScenarioOptions, 'log'> = {
  records: 1000,
  waveSize: 100,
  outageMs: 30_000,
  serverDownMs: 5_000,
  strikeAt: 0.25,
  runTimeoutMs: 15 * 60_000,
  failDeadWorkersActivities: false,
};

export interface ScenarioResult {
  readonly scenario: ScenarioName;
  readonly outcome: Outcome;
  readonly report: PurgeReport;
  /** Certificates in the ledger when the fault struck. */
  readonly erasedAtFault: number;
  /** From the purge run's start to its report (fault and recovery included). */
  readonly seconds: number;
  /** What happened and what an operator had to do, in order. */
  readonly notes: readonly string[];
  /** Checks that did not hold; empty when the scenario passed. */
  readonly failures: readonly string[];
  readonly line: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const since = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;

/** What a fault may do besides striking: write a note, replace a dead worker as the operator would. */
interface StrikeContext {
  readonly note: (line: string) => void;
  readonly replace: (dead: WorkerProcess) => Promise<void>;
}

/** The fault of one scenario: how the worker is started, the blow itself, what is torn down after. */
interface Fault {
  startWorker(env: ChaosEnvironment): Promise<void>;
  strike(env: ChaosEnvironment, context: StrikeContext): Promise<void>;
  close(): Promise<void>;
}

function faultOf(name: ScenarioName, options: ScenarioOptions): Fault {
  switch (name) {
    case 'kill-worker':
      return {
        startWorker: async (env) => void (await env.startWorker()),
        async strike(env, { note, replace }) {
          const victim = env.workers.find((w) => w.running);
          if (!victim) throw new Error('no worker running to kill');
          await victim.kill();
          note(`worker ${victim.pid} killed (SIGKILL to its process group)`);
          await replace(victim);
        },
        close: () => Promise.resolve(),
      };
    case 'db-outage': {
      let proxy: FlakyProxy | undefined;
      return {
        async startWorker(env) {
          const port = env.stack.postgres?.port;
          if (!port) throw new Error('db-outage needs the embedded PostgreSQL');
          // One proxy for every worker of the scenario (a replacement too).
          proxy ??= await FlakyProxy.start({ host: '127.0.0.1', port });
          const url = new URL(env.stack.databases.caseAdmin);
          url.port = String(proxy.port);
          await env.startWorker(url.toString());
        },
        async strike(env, { note }) {
          if (!proxy) throw new Error('no proxy');
          const before = await env.certificates();
          await proxy.outage(options.outageMs);
          const during = (await env.certificates()) - before;
          note(
            `case database refused connections for ${options.outageMs / 1000} s (${proxy.refused} connections reset; ${during} certificates written meanwhile)`,
          );
        },
        close: async () => proxy?.close(),
      };
    }
    case 'server-restart':
      return {
        startWorker: async (env) => void (await env.startWorker()),
        async strike(env, { note }) {
          const t = process.hrtime.bigint();
          await env.restartTemporal(options.serverDownMs);
          note(`dev server stopped, down ${options.serverDownMs / 1000} s, serving again ${since(t).toFixed(1)} s after the stop (same SQLite file and port)`);
        },
        close: () => Promise.resolve(),
      };
  }
}

/**
 * The operator's watch while the run goes on: a worker process that died on its own
 * (not killed by the scenario) is reported and replaced, as systemd or an operator would.
 */
function watchWorkers(
  env: ChaosEnvironment,
  note: (line: string) => void,
  log: (line: string) => void,
  replace: (dead: WorkerProcess) => Promise<void>,
): { stop(): Promise<void> } {
  let stopped = false;
  let replacing = Promise.resolve();
  const loop = (async () => {
    while (!stopped) {
      await sleep(1_000);
      if (stopped || env.workers.some((w) => w.running)) continue;
      const dead = env.workers.at(-1);
      if (!dead) continue;
      const why =
        dead
          .tail(40)
          .split('\n')
          .find((l) => /Error|error:|Unhandled|throw/.test(l))
          ?.trim() ?? '?';
      note(`FINDING: worker ${dead.pid} exited on its own (${dead.describeExit()}: ${why})`);
      log(`    last output of worker ${dead.pid}:\n${dead.tail(25).replace(/^/gm, '      ')}`);
      replacing = replace(dead);
      await replacing;
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop.catch(() => undefined);
      await replacing.catch(() => undefined);
    },
  };
}

/**
 * Records that ended in erasure-failed get what a coordinator gives them, `erasure
 * retry`: the lifecycle erases again. Waits until each is certified or has failed again;
 * returns how many were retried and how many of those are still not erased.
 */
async function retryFailed(env: ChaosEnvironment, timeoutMs: number): Promise<{ retried: number; stillFailed: number }> {
  const ids = env.records.map((r) => r.recordId);
  const { rows } = await env.registry.query<{ record_id: string }>(
    `SELECT DISTINCT f.record_id FROM erasure_failures f
      WHERE f.record_id = ANY($1) AND NOT EXISTS (SELECT 1 FROM certificates c WHERE c.record_id = f.record_id)`,
    [ids],
  );
  const retried = rows.map((r) => r.record_id);
  const since = (await env.registry.query<{ now: Date }>('SELECT now() AS now')).rows[0]?.now ?? new Date();
  const actor = { user: 'coordinator', role: 'coordinator' as const };
  for (const recordId of retried) {
    const handle = env.client.workflow.getHandle<typeof recordLifecycle>(recordWorkflowId(recordId));
    try {
      await handle.executeUpdate(actionUpdates.retryErasure, {
        args: [env.signer.sign(handle.workflowId, actionUpdates.retryErasure.name, { actor, reason: 'chaos: the fault is over' })],
      });
    } catch (err) {
      if (!(err instanceof WorkflowUpdateFailedError)) throw err;
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows: open } = await env.registry.query<{ n: string; failed: string }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM erasure_failures f WHERE f.record_id = t.rid AND f.failed_at > $2)) AS failed
         FROM unnest($1::text[]) AS t(rid) WHERE NOT EXISTS (SELECT 1 FROM certificates c WHERE c.record_id = t.rid)`,
      [retried, since],
    );
    const notErased = Number(open[0]?.n ?? 0);
    const failedAgain = Number(open[0]?.failed ?? 0);
    if (notErased === failedAgain) return { retried: retried.length, stillFailed: failedAgain };
    if (Date.now() > deadline) throw new Error(`${notErased - failedAgain} retried erasures neither finished nor failed within ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

/** One scenario on a fresh stack: seed, purge run, fault mid-run, recovery, checks. */
export async function runScenario(name: ScenarioName, options: ScenarioOptions): Promise<ScenarioResult> {
  const notes: string[] = [];
  const note = (line: string) => {
    notes.push(line);
    options.log(`  ${name}: ${line}`);
  };
  const failures: string[] = [];
  const fault = faultOf(name, options);
  const tSetup = process.hrtime.bigint();
  const env = await ChaosEnvironment.create();
  let watch: { stop(): Promise<void> } | undefined;
  try {
    await env.seed(options.records);
    await fault.startWorker(env);
    note(`stack, ${options.records} due records and a worker ready in ${since(tSetup).toFixed(1)} s`);
    const tRun = process.hrtime.bigint();
    const handle = await env.startPurge(options.waveSize);
    // 0: the fault strikes as the run starts, before the worker has erased anything.
    const strikeAt = options.strikeAt === 0 ? 0 : Math.min(options.records - 1, Math.max(1, Math.floor(options.records * options.strikeAt)));
    const erasedAtFault = await env.waitForCertificates(strikeAt, options.runTimeoutMs);
    note(`fault after ${erasedAtFault} of ${options.records} records certified (${since(tRun).toFixed(1)} s into the run)`);
    if (erasedAtFault >= options.records) failures.push('the fault struck after every record was erased: it proved nothing');
    const tFault = process.hrtime.bigint();
    // The operator's answer to a dead worker: a new one, and optionally its started
    // activities failed by id. A worker that dies of the fault is replaced at once, as
    // systemd would; the killed worker of kill-worker is replaced by the scenario itself.
    const replace = async (dead: WorkerProcess) => {
      const t = process.hrtime.bigint();
      await fault.startWorker(env);
      note(`new worker ${env.workers.at(-1)?.pid ?? '?'} polling ${since(t).toFixed(1)} s later`);
      if (!options.failDeadWorkersActivities) return;
      const failed = await failActivitiesOf(env.client, env.workflowIds(), workerIdentity(dead.pid));
      note(`operator failed the ${failed} activities the dead worker ${dead.pid} had started (temporal activity fail), so they are retried now`);
    };
    const watchNow = () => (watch = watchWorkers(env, note, options.log, replace));
    if (name !== 'kill-worker') watchNow();
    await fault.strike(env, { note, replace });
    watch ??= watchNow();
    const report = await env.result(handle, options.runTimeoutMs, (line) => options.log(`  ${name}:${line}`));
    const seconds = since(tRun);
    const skipped =
      Object.entries(report.skipped)
        .map(([reason, n]) => `${n} ${reason}`)
        .join(', ') || 'none';
    note(
      `run report: ${report.candidates} candidates, ${report.released} released, ${report.restarted} restarted, skipped ${skipped}; ` +
        `${report.erased} erased, ${report.failed} failed, ${report.pending} pending, ${report.waves} waves; done ${since(tFault).toFixed(1)} s after the fault struck`,
    );
    if (report.failed > 0) {
      const reasons = report.failures.map((f) => `${f.records} × ${f.reason}`).join('; ');
      failures.push(`${report.failed} records ended in erasure-failed instead of being erased once the fault was over (${reasons})`);
      note(`FINDING: ${report.failed} records in erasure-failed (${reasons}); a coordinator retries them (erasure retry)`);
      const { retried, stillFailed } = await retryFailed(env, options.runTimeoutMs);
      note(`${retried} records retried by a coordinator: ${retried - stillFailed} erased now, ${stillFailed} failed again`);
    }
    await watch?.stop();
    watch = undefined;
    note(`activities retried: ${describeRetries(await activityRetries(env.client, env.workflowIds()))}`);
    const outcome = await inspect(env, report);
    failures.push(...failedChecks(outcome));
    return { scenario: name, outcome, report, erasedAtFault, seconds, notes, failures, line: resultLine(name, outcome, seconds) };
  } finally {
    await watch?.stop();
    await fault.close().catch(() => undefined);
    await env.close();
  }
}
