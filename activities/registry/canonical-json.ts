import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so that equal content always hashes the same: one definition, also signed actions' (schemas/signed-action.ts). */
import { canonicalJson } from '../../schemas/signed-action';
export { canonicalJson };

export function sha256Hex(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}
