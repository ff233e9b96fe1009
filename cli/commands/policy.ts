import { storePolicy } from '../../activities/registry/policies';
import { policyFileSchema } from '../../schemas/policy-file';
import { deadlineIn } from '../../schemas/zoned-time';
import type { CommandContext } from '../../service/command-context';
import { readJsonFile } from '../json-file';
import type { FileSource } from '../text-file';

/** `erasure policy add <file.json>`: stores an immutable policy version, its deadlines as instants in its zone. */
export async function policyAddCommand(ctx: CommandContext, file: FileSource): Promise<void> {
  const policy = readJsonFile(file, policyFileSchema);
  const result = await storePolicy(ctx.registry(), policy);
  ctx.out(
    result.created
      ? `Stored policy ${result.version}: inquiry cutoff ${deadlineIn(policy.inquiryCutoff, policy.timeZone)}, purge start ${deadlineIn(policy.purgeStart, policy.timeZone)}, objection period ${policy.objectionPeriod}`
      : `Policy ${result.version} is already stored with the same content; nothing changed`,
  );
}
