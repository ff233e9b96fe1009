import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Keys } from '../activities/crypto';
import type { Config } from '../schemas/config';
import { ErasureError } from '../schemas/errors';
import { dataDir } from './paths';

const keysFile = (config: Config) => join(dataDir(config.ERASURE_DATA_DIR), 'keys.json');

/**
 * ERASURE_CONTACT_KEY and ERASURE_HMAC_KEY when set; otherwise the keys generated once
 * into the data folder (`create` is true for the process that starts the stack).
 */
export function loadKeys(config: Config, options: { create?: boolean } = {}): Keys {
  if (config.ERASURE_CONTACT_KEY && config.ERASURE_HMAC_KEY) {
    return { contactKey: Buffer.from(config.ERASURE_CONTACT_KEY, 'base64'), hmacKey: Buffer.from(config.ERASURE_HMAC_KEY, 'base64') };
  }
  const file = keysFile(config);
  if (!existsSync(file)) {
    if (!options.create) {
      throw new ErasureError(
        'INVALID_CONFIG',
        `no keys: set ERASURE_CONTACT_KEY and ERASURE_HMAC_KEY, or run \`npm start\` once so that ${file} is generated`,
      );
    }
    mkdirSync(dataDir(config.ERASURE_DATA_DIR), { recursive: true });
    writeFileSync(file, JSON.stringify({ contactKey: randomBytes(32).toString('base64'), hmacKey: randomBytes(32).toString('base64') }), { mode: 0o600 });
  }
  const stored = JSON.parse(readFileSync(file, 'utf8')) as { contactKey: string; hmacKey: string };
  return {
    contactKey: Buffer.from(config.ERASURE_CONTACT_KEY ?? stored.contactKey, 'base64'),
    hmacKey: Buffer.from(config.ERASURE_HMAC_KEY ?? stored.hmacKey, 'base64'),
  };
}
