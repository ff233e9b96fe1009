import { startCodecServer, codecOrigins } from '../../infra/codec-server';
import { issueCodecToken } from '../../infra/codec-token';
import { loadPayloadKeys } from '../../infra/keys';
import { InvalidInputError } from '../../schemas/errors';
import { actorFor } from '../actors';
import type { CliContext } from '../context';

/** `erasure codec token --as <screened-reviewer> [--hours N]`: a bearer token for the codec server. */
export function codecTokenCommand(ctx: CliContext, user: string | undefined, hours: string | undefined): void {
  const actor = actorFor(ctx.roles(), user, ['screened-reviewer'], 'decoding Temporal payloads');
  const h = hours === undefined ? 8 : Number(hours);
  if (!Number.isFinite(h) || h <= 0 || h > 24)
    throw new InvalidInputError('codec token', [{ field: '--hours', message: 'a token is valid for 1 to 24 hours, e.g. --hours 8' }]);
  const { token, expires } = issueCodecToken(loadPayloadKeys(ctx.config), actor.user, h * 3_600_000);
  ctx.progress(
    `token for ${actor.user} (screened-reviewer), valid until ${expires.toISOString()}; send it as "Authorization: Bearer <token>" or sign in at the codec server's /login`,
  );
  ctx.out(token);
}

/** `erasure codec serve`: the codec server on its own (a deployment without `npm start`), until Ctrl-C. */
export async function codecServeCommand(ctx: CliContext): Promise<void> {
  const server = await startCodecServer({
    port: ctx.config.ERASURE_CODEC_PORT,
    payloadKeys: loadPayloadKeys(ctx.config),
    roles: ctx.roles(),
    registry: ctx.registry(),
    allowedOrigins: codecOrigins(ctx.config),
  });
  ctx.out(`codec server on ${server.url} (origins ${codecOrigins(ctx.config).join(', ')}); Ctrl-C stops it`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.stop();
}
