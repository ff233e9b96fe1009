import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { durationMs } from '../../schemas/duration';
import { defaultScenarioOptions, runScenario, scenarioNames, type ScenarioName, type ScenarioOptions, type ScenarioResult } from './scenarios';

const usage =
  'usage: node dist/bench/chaos/main.js [--records N] [--wave-size N] [--scenario kill-worker|db-outage|server-restart|all] [--outage 30s] [--server-down 5s] [--strike-at 0.25] [--fail-dead-activities] [--json]';

function options(): { scenarios: ScenarioName[]; options: ScenarioOptions; json: boolean } {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: String(defaultScenarioOptions.records) },
      'wave-size': { type: 'string', default: String(defaultScenarioOptions.waveSize) },
      scenario: { type: 'string', default: 'all' },
      outage: { type: 'string', default: '30s' },
      'server-down': { type: 'string', default: '5s' },
      'fail-dead-activities': { type: 'boolean', default: false },
      'strike-at': { type: 'string', default: String(defaultScenarioOptions.strikeAt) },
      json: { type: 'boolean', default: false },
    },
  });
  const whole = (name: string, text: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 2) throw new Error(`--${name} must be a whole number of at least 2, not "${text}"\n${usage}`);
    return n;
  };
  const duration = (name: string, text: string) => {
    try {
      return durationMs(text);
    } catch {
      throw new Error(`--${name} must be a duration such as 30s or 2m, not "${text}"\n${usage}`);
    }
  };
  const share = (name: string, text: string) => {
    const n = Number(text);
    if (!(n >= 0 && n < 1)) throw new Error(`--${name} must be a share of the records from 0 (at the run's start) to below 1, not "${text}"\n${usage}`);
    return n;
  };
  const scenario = values.scenario;
  if (scenario !== 'all' && !(scenarioNames as readonly string[]).includes(scenario))
    throw new Error(`--scenario must be one of ${scenarioNames.join(', ')} or all, not "${scenario}"\n${usage}`);
  return {
    scenarios: scenario === 'all' ? [...scenarioNames] : [scenario as ScenarioName],
    json: values.json,
    options: {
      ...defaultScenarioOptions,
      records: whole('records', values.records),
      waveSize: whole('wave-size', values['wave-size']),
      outageMs: duration('outage', values.outage),
      serverDownMs: duration('server-down', values['server-down']),
      failDeadWorkersActivities: values['fail-dead-activities'],
      strikeAt: share('strike-at', values['strike-at']),
      log: (line) => console.log(line),
    },
  };
}

/**
 * `npm run chaos`: the fault-injection runs of the issue, each on a fresh stack — the
 * worker killed with SIGKILL mid-purge, the case database refusing connections, the dev
 * server stopped and started again — with a result line per scenario. Exit code 1 when
 * a check fails (a record lost, a duplicate certificate, a broken ledger, a record
 * certified while its data is still there, a record not erased).
 */
async function main(): Promise<void> {
  const { scenarios, options: o, json } = options();
  // Ctrl-C or a test runner giving up: exit at once; the workers and the dev server are
  // killed by their exit hooks, the embedded PostgreSQL stops when we disconnect.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  console.log(
    `chaos: ${scenarios.join(', ')}; ${o.records} records, waves of ${o.waveSize}, outage ${o.outageMs / 1000} s, server down ${o.serverDownMs / 1000} s; ` +
      `${cpus().length} cores, Node.js ${process.version}, ${new Date().toISOString()}`,
  );
  const results: ScenarioResult[] = [];
  let crashed = false;
  for (const name of scenarios) {
    try {
      const result = await runScenario(name, o);
      results.push(result);
      // For test/scenarios/chaos.test.ts, which runs this script with small numbers.
      if (json) console.log(`CHAOS_RESULT ${JSON.stringify(result)}`);
    } catch (err) {
      crashed = true;
      console.log(`${name}: ERROR ${(err as Error).stack ?? String(err)}`);
    }
  }
  console.log('');
  for (const r of results) {
    console.log(r.line);
    for (const failure of r.failures) console.log(`  FAILED: ${failure}`);
  }
  process.exitCode = crashed || results.some((r) => r.failures.length > 0) ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exitCode = 1;
});
