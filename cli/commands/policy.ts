import { readFileSync } from 'node:fs';
import { storePolicy } from '../../activities/registry/policies';
import { InvalidInputError } from '../../schemas/errors';
import { policySchema } from '../../schemas/policy';
import { zodProblems } from '../../schemas/zod-problems';
import type { CliContext } from '../context';

/** `erasure policy add <file.json>`: stores an immutable policy version. */
export async function policyAddCommand(ctx: CliContext, file: string): Promise<void> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InvalidInputError(file, [{ field: '(file)', message: `is not a readable JSON file: ${(err as Error).message}` }]);
  }
  const parsed = policySchema.safeParse(data);
  if (!parsed.success) throw new InvalidInputError(file, zodProblems(parsed.error));
  const result = await storePolicy(ctx.registry(), parsed.data);
  ctx.out(
    result.created
      ? `Stored policy ${result.version}: inquiry cutoff ${parsed.data.inquiryCutoff}, purge start ${parsed.data.purgeStart}, objection period ${parsed.data.objectionPeriod}`
      : `Policy ${result.version} is already stored with the same content; nothing changed`,
  );
}
