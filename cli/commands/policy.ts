import { storePolicy } from '../../activities/registry/policies';
import { policySchema } from '../../schemas/policy';
import type { CliContext } from '../context';
import { readJsonFile } from '../json-file';

/** `erasure policy add <file.json>`: stores an immutable policy version. */
export async function policyAddCommand(ctx: CliContext, file: string): Promise<void> {
  const policy = readJsonFile(file, policySchema);
  const result = await storePolicy(ctx.registry(), policy);
  ctx.out(
    result.created
      ? `Stored policy ${result.version}: inquiry cutoff ${policy.inquiryCutoff}, purge start ${policy.purgeStart}, objection period ${policy.objectionPeriod}`
      : `Policy ${result.version} is already stored with the same content; nothing changed`,
  );
}
