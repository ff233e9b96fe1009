import type { ActivityOptions } from '@temporalio/workflow';

/**
 * Every activity's timeouts and retry policy, named by what the call is for, each with its
 * reason. Workflows proxy their activities with one of these and nothing else, so a
 * reader finds in one place how long anything may take and how often it is tried.
 */
export const activityOptions = {
  /**
   * A record's erasure (erase and verify in every system, close the inquiry, certify), on
   * the rate-limited storage queue. It takes well under a second, so a worker that died
   * holding one is noticed after a minute; ten attempts (about four minutes of backoff)
   * ride out a source system that refuses connections for a while. Then the record shows
   * `erasure-failed`, where a coordinator sees it and retries.
   */
  erasure: (storageQueue: string): ActivityOptions => ({
    taskQueue: storageQueue,
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
  }),

  /**
   * One batch of a purge wave's released records (erase, verify, certify, tell each
   * lifecycle), on the storage queue. A batch of a hundred takes seconds; one whose worker
   * died is noticed after two minutes. It is retried until it succeeds: a record that
   * fails inside it is already handed to its own lifecycle, so what is left to retry is an
   * outage, which the batch rides out like the purge run's other steps.
   */
  erasureBatch: (storageQueue: string): ActivityOptions => ({
    taskQueue: storageQueue,
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  }),

  /**
   * Alerts to the coordinators, and noting a failure for the purge run's report. They run
   * beside the main loop, so a mail outage delays no deadline; after about half an hour a
   * failing one is given up and noted in the history.
   */
  alert: {
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10 },
  },

  /**
   * Work a person waits for in an update's answer (the explanation mail, a reviewer's
   * decision): four attempts within half a minute, then the action fails with the reason
   * and can be taken again.
   */
  whileWaiting: {
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 4 },
  },

  /**
   * Registry reads and writes that are safe to repeat and that the workflow cannot do
   * without (loading an inquiry, registering it on a record, a letter): retried until
   * they succeed.
   */
  registry: {
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  },

  /**
   * The purge run's registry and Temporal calls (releasing a wave, counting, progress,
   * the report): long, repeatable and retried until they succeed. Release pages
   * heartbeat per record, so a worker that died mid-page is noticed within 30 seconds.
   */
  purge: {
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
  },

  /**
   * Re-checking a page of earlier erasures in the storage systems: repeatable and retried
   * until it succeeds; it does not heartbeat, so it only has the half-hour limit.
   */
  recheck: {
    startToCloseTimeout: '30 minutes',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
  },
} satisfies Record<string, ActivityOptions | ((queue: string) => ActivityOptions)>;
