import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
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
  actionKey?: string;
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
  if (options.create && (!stored.contactKey || !stored.hmacKey || !stored.signingKey || !stored.payloadKey || !stored.actionKey)) {
    stored = {
      contactKey: stored.contactKey ?? randomBytes(32).toString('base64'),
      hmacKey: stored.hmacKey ?? randomBytes(32).toString('base64'),
      signingKey: stored.signingKey ?? newSigningKey(),
      payloadKey: stored.payloadKey ?? randomBytes(32).toString('base64'),
      actionKey: stored.actionKey ?? newSigningKey(),
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

/** An Ed25519 action key: the private key that signs and its public key as the workflows name it (32 bytes, base64url). */
export interface ActionKey {
  readonly privateKey: KeyObject;
  readonly keyId: string;
}

const rawPublicKey = (key: KeyObject): string => {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error(`it is not an Ed25519 key (${jwk.crv ?? jwk.kty ?? 'unknown'})`);
  return jwk.x;
};

/**
 * The erasure service's action key: ERASURE_ACTION_KEY when set, otherwise keys.json's
 * `actionKey` (written by `create`, with the other keys). Only the service signs with it.
 */
export function loadActionKey(config: Config, options: { create?: boolean } = {}): ActionKey {
  const text = config.ERASURE_ACTION_KEY ?? storedKeys(config, options).actionKey;
  if (!text) {
    throw new ErasureError(
      'INVALID_CONFIG',
      `no action key: set ERASURE_ACTION_KEY (Ed25519, PKCS#8 DER, base64), or run \`npm start\` once so that ${keysFile(config)} has one`,
    );
  }
  try {
    const privateKey = createPrivateKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'pkcs8' });
    return { privateKey, keyId: rawPublicKey(privateKey) };
  } catch (err) {
    throw new ErasureError('INVALID_CONFIG', `ERASURE_ACTION_KEY (or actionKey in ${keysFile(config)}) is not usable: ${(err as Error).message}`);
  }
}

/**
 * The public keys every workflow is started with (`actionKeys`): the service's own and
 * ERASURE_ACTION_PUBLIC_KEYS (rotated or additional keys). Workflows believe an action
 * only when one of these signed it.
 */
export function actionPublicKeys(config: Config, options: { create?: boolean } = {}): string[] {
  const extra = (config.ERASURE_ACTION_PUBLIC_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  let own: string[] = [];
  try {
    own = [loadActionKey(config, options).keyId];
  } catch (err) {
    // A deployment whose workers and CLI hold only the public keys: they need no private key.
    if (!extra.length) throw err;
  }
  return [...new Set([...own, ...extra])];
}
