import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec } from '../infra/payload-codec';

/**
 * `npm run bench:codec`: what encrypting every payload costs, against the payload
 * converter alone (the baseline every Temporal call pays anyway), on a lifecycle's
 * start input, the largest payload a record's history carries.
 */
async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 50_000);
  const input = {
    recordId: 'R-DEMO-0001',
    dossier: 'D-DEMO',
    systems: ['backups', 'case-admin', 'documents', 'mailbox'],
    policy: {
      version: 'demo-20261129074351',
      inquiryCutoff: '2026-11-29T07:44:36.791Z',
      purgeStart: '2026-11-29T07:45:21.791Z',
      objectionPeriod: '2m',
      responseDeadline: '5m',
      retentionReview: '10m',
    },
  };
  const codec = new EncryptionCodec({ current: randomBytes(32), previous: [] });
  const time = async (work: () => Promise<void>) => {
    const start = process.hrtime.bigint();
    await work();
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const baseline = await time(async () => {
    for (let i = 0; i < n; i += 1) defaultPayloadConverter.fromPayload(defaultPayloadConverter.toPayload(input));
    await Promise.resolve();
  });
  const sealed = await time(async () => {
    for (let i = 0; i < n; i += 1)
      defaultPayloadConverter.fromPayload((await codec.decode(await codec.encode([defaultPayloadConverter.toPayload(input)])))[0]!);
  });
  const size = defaultPayloadConverter.toPayload(input).data?.length ?? 0;
  const sealedSize = (await codec.encode([defaultPayloadConverter.toPayload(input)]))[0]?.data?.length ?? 0;
  const perCall = (ms: number) => ((ms * 1000) / n).toFixed(1);
  console.log(`payload codec: ${n} round trips of a ${size}-byte lifecycle input (sealed: ${sealedSize} bytes)`);
  console.log(`  converter only (baseline)      ${perCall(baseline)} µs per round trip`);
  console.log(`  converter + AES-256-GCM codec  ${perCall(sealed)} µs per round trip (+${perCall(sealed - baseline)} µs)`);
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
