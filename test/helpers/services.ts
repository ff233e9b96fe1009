import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { signingKeyFrom, type Keys, type SigningKey } from '../../activities/crypto';
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { Pool } from 'pg';
import { createPool } from '../../activities/pg-pool';
import type { Policy } from '../../schemas/policy';
import type { TestServices } from '../global-setup';
import { dataConverter, type PayloadKeys } from '../../infra/payload-codec';
import { ActionSigner } from '../../service/action-signer';

export function testServices(): TestServices {
  const file = process.env.ERASURE_TEST_SERVICES;
  if (!file) throw new Error('ERASURE_TEST_SERVICES is not set: run the tests with `npm test` (jest globalSetup starts the services)');
  return JSON.parse(readFileSync(file, 'utf8')) as TestServices;
}

/** Keys of this test run, given to in-process code and, as variables, to the CLI. */
const signingKeyBase64 = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
export const testKeys: Keys & { signing: SigningKey } = { contactKey: randomBytes(32), hmacKey: randomBytes(32), signing: signingKeyFrom(signingKeyBase64) };
/** The payload codec's keys of this test run: the workers and every client share them. */
export const testPayloadKeys: PayloadKeys = { current: randomBytes(32), previous: [] };
export const testDataConverter = dataConverter(testPayloadKeys);
/**
 * The erasure service's action key of the tests: every update a test sends is signed with
 * it, as the service would. One key for every suite (from a fixed seed, unlike the other
 * keys): the suites share one registry, whose certificates keep signed decisions.
 */
const testAction = ActionSigner.generate(createHash('sha256').update('erasure-orchestrator test action key').digest());
export const testActionSigner = testAction.signer;
/** The public keys every workflow of a test is started with (`actionKeys`). */
export const testActionKeys: string[] = testActionSigner.publicKeys;
/** A payload signed for `update` (an update definition or its name) on `workflowId`, as the service would send it. */
export const signed = <T extends object>(workflowId: string, update: string | { name: string }, body: T, now?: Date) =>
  testActionSigner.sign(workflowId, typeof update === 'string' ? update : update.name, body, now);
export const testKeyEnv = {
  ERASURE_ACTION_KEY: testAction.pkcs8,
  ERASURE_PAYLOAD_KEY: testPayloadKeys.current.toString('base64'),
  ERASURE_CONTACT_KEY: testKeys.contactKey.toString('base64'),
  ERASURE_HMAC_KEY: testKeys.hmacKey.toString('base64'),
  ERASURE_SIGNING_KEY: signingKeyBase64,
};

/** Short unique suffix so that suites sharing one database never see each other's rows. */
export const uniqueId = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

export interface Databases {
  readonly registry: Pool;
  readonly caseAdmin: Pool;
  close(): Promise<void>;
}

export function openDatabases(): Databases {
  const { databases } = testServices();
  const registry = createPool(databases.registry, 5);
  const caseAdmin = createPool(databases.caseAdmin, 5);
  return { registry, caseAdmin, close: async () => void (await Promise.all([registry.end(), caseAdmin.end()])) };
}

export async function connectClient(address = testServices().temporalAddress): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address });
  return { client: new Client({ connection, dataConverter: testDataConverter }), close: () => connection.close() };
}

/** A policy whose cutoff and purge start lie the given milliseconds from now. */
export function policyIn(cutoffMs: number, purgeMs: number, now = Date.now()): Policy {
  return {
    version: uniqueId('test-policy'),
    inquiryCutoff: new Date(now + cutoffMs).toISOString(),
    purgeStart: new Date(now + purgeMs).toISOString(),
    objectionPeriod: '6w',
    responseDeadline: '30d',
    retentionReview: '26w',
  };
}

/** Polls until `check` returns a value, failing with `what` if it never does. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}
