import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signingKeyFrom, type Keys } from '../activities/crypto';
import type { Config } from '../schemas/config';
import { ErasureError } from '../schemas/errors';
import { dataDir } from './paths';
import type { PayloadKeys } from './payload-codec';

const keysFile = (config: Config) => join(dataDir(config.ERASURE_DATA_DIR), 'keys.json');

interface StoredKeys {
  contactKey?: string;
  hmacKey?: string;
  signingKey?: string;
  payloadKey?: string;
}

const newSigningKey = () => generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');

/**
 * Each key from its variable (ERASURE_CONTACT_KEY, ERASURE_HMAC_KEY, ERASURE_SIGNING_KEY)
 * when set; otherwise from keys.json in the data folder, which the process that starts
 * the stack (`create`) writes once and completes with keys added later.
 */
/** keys.json, completed with any key it lacks when `create` (the process that starts the stack). */
function storedKeys(config: Config, options: { create?: boolean }): StoredKeys {
  const file = keysFile(config);
  let stored: StoredKeys = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StoredKeys) : {};
  if (options.create && (!stored.contactKey || !stored.hmacKey || !stored.signingKey || !stored.payloadKey)) {
    stored = {
      contactKey: stored.contactKey ?? randomBytes(32).toString('base64'),
      hmacKey: stored.hmacKey ?? randomBytes(32).toString('base64'),
      signingKey: stored.signingKey ?? newSigningKey(),
      payloadKey: stored.payloadKey ?? randomBytes(32).toString('base64'),
    };
    mkdirSync(dataDir(config.ERASURE_DATA_DIR), { recursive: true });
    writeFileSync(file, JSON.stringify(stored), { mode: 0o600 });
  }
  return stored;
}

/**
 * The keys of the payload codec: ERASURE_PAYLOAD_KEY (or keys.json's) encrypts, and it and
 * ERASURE_PAYLOAD_OLD_KEYS decrypt. Every client and worker of one deployment needs them.
 */
export function loadPayloadKeys(config: Config, options: { create?: boolean } = {}): PayloadKeys {
  const current = config.ERASURE_PAYLOAD_KEY ?? storedKeys(config, options).payloadKey;
  if (!current) {
    throw new ErasureError(
      'INVALID_CONFIG',
      `no payload key: set ERASURE_PAYLOAD_KEY (32 random bytes, base64), or run \`npm start\` once so that ${keysFile(config)} has one`,
    );
  }
  const previous = (config.ERASURE_PAYLOAD_OLD_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  return { current: Buffer.from(current, 'base64'), previous: previous.map((k) => Buffer.from(k, 'base64')) };
}

export function loadKeys(config: Config, options: { create?: boolean } = {}): Keys {
  const file = keysFile(config);
  const fromEnv = { contactKey: config.ERASURE_CONTACT_KEY, hmacKey: config.ERASURE_HMAC_KEY, signingKey: config.ERASURE_SIGNING_KEY };
  let stored: StoredKeys = {};
  if (!fromEnv.contactKey || !fromEnv.hmacKey || !fromEnv.signingKey) {
    stored = storedKeys(config, options);
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
      throw new ErasureError(
        'INVALID_CONFIG',
        `ERASURE_SIGNING_KEY (or signingKey in ${file}) is not usable: ${(err as Error).message}; generate one with \`npm run keys:signing\``,
      );
    }
  }
  return { contactKey: Buffer.from(contactKey, 'base64'), hmacKey: Buffer.from(hmacKey, 'base64'), ...(signing ? { signing } : {}) };
}
