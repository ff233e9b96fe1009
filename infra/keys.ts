import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signingKeyFrom, type Keys } from '../activities/crypto';
import type { Config } from '../schemas/config';
import { ErasureError } from '../schemas/errors';
import { dataDir } from './paths';

const keysFile = (config: Config) => join(dataDir(config.ERASURE_DATA_DIR), 'keys.json');

interface StoredKeys {
  contactKey?: string;
  hmacKey?: string;
  signingKey?: string;
}

const newSigningKey = () => generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');

/**
 * Each key from its variable (ERASURE_CONTACT_KEY, ERASURE_HMAC_KEY, ERASURE_SIGNING_KEY)
 * when set; otherwise from keys.json in the data folder, which the process that starts
 * the stack (`create`) writes once and completes with keys added later.
 */
export function loadKeys(config: Config, options: { create?: boolean } = {}): Keys {
  const file = keysFile(config);
  const fromEnv = { contactKey: config.ERASURE_CONTACT_KEY, hmacKey: config.ERASURE_HMAC_KEY, signingKey: config.ERASURE_SIGNING_KEY };
  let stored: StoredKeys = {};
  if (!fromEnv.contactKey || !fromEnv.hmacKey || !fromEnv.signingKey) {
    if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8')) as StoredKeys;
    if (options.create && (!stored.contactKey || !stored.hmacKey || !stored.signingKey)) {
      stored = {
        contactKey: stored.contactKey ?? randomBytes(32).toString('base64'),
        hmacKey: stored.hmacKey ?? randomBytes(32).toString('base64'),
        signingKey: stored.signingKey ?? newSigningKey(),
      };
      mkdirSync(dataDir(config.ERASURE_DATA_DIR), { recursive: true });
      writeFileSync(file, JSON.stringify(stored), { mode: 0o600 });
    }
  }
  const contactKey = fromEnv.contactKey ?? stored.contactKey;
  const hmacKey = fromEnv.hmacKey ?? stored.hmacKey;
  if (!contactKey || !hmacKey) {
    throw new ErasureError('INVALID_CONFIG', `no keys: set ERASURE_CONTACT_KEY and ERASURE_HMAC_KEY, or run \`npm start\` once so that ${file} is generated`);
  }
  const signingKey = fromEnv.signingKey ?? stored.signingKey;
  let signing: Keys['signing'];
  if (signingKey) {
    try {
      signing = signingKeyFrom(signingKey);
    } catch (err) {
      throw new ErasureError('INVALID_CONFIG', `ERASURE_SIGNING_KEY (or signingKey in ${file}) is not usable: ${(err as Error).message}; generate one with \`npm run keys:signing\``);
    }
  }
  return { contactKey: Buffer.from(contactKey, 'base64'), hmacKey: Buffer.from(hmacKey, 'base64'), ...(signing ? { signing } : {}) };
}
