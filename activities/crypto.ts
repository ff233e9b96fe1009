import { foldText } from './matching/fold';
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';

export interface Keys {
  /** AES-256-GCM key for contact data at rest. */
  readonly contactKey: Buffer;
  /** HMAC-SHA256 key for subject identifiers. */
  readonly hmacKey: Buffer;
  /** Ed25519 key that signs deletion certificates (the worker needs it; the CLI does not). */
  readonly signing?: SigningKey;
}

export interface SigningKey {
  readonly keyId: string;
  readonly privateKey: KeyObject;
  /** The public key as PEM (SPKI), stored in the registry for anyone who verifies. */
  readonly publicKeyPem: string;
}

/** An Ed25519 private key from base64 PKCS#8 DER (ERASURE_SIGNING_KEY, keys.json). */
export function signingKeyFrom(base64Pkcs8: string): SigningKey {
  const privateKey = createPrivateKey({ key: Buffer.from(base64Pkcs8, 'base64'), format: 'der', type: 'pkcs8' });
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`the signing key is ${privateKey.asymmetricKeyType ?? 'unknown'}, not Ed25519`);
  const publicKey = createPublicKey(privateKey);
  return { keyId: publicKeyId(publicKey), privateKey, publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
}

/** The key id on a certificate: the first 16 hex digits of SHA-256 over the public key (SPKI DER). */
export const publicKeyId = (publicKey: KeyObject): string =>
  createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('hex')
    .slice(0, 16);

export const signText = (key: SigningKey, text: string): string => sign(null, Buffer.from(text, 'utf8'), key.privateKey).toString('base64');

export function verifyText(publicKeyPem: string, text: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(text, 'utf8'), createPublicKey(publicKeyPem), Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** A short, stable id of a key (never the key, nor a plain hash of it): stored beside what it encrypted. */
export const keyId = (key: Buffer) => createHmac('sha256', key).update('erasure-orchestrator key id').digest('hex').slice(0, 16);

const TAG_BYTES = 16;
const IV_BYTES = 12;

/** AES-256-GCM; `context` (e.g. the inquiry id) is bound as associated data, so a sealed value cannot be moved to another row. */
export function encrypt(key: Buffer, plaintext: string, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64')).join('.');
}

export function decrypt(key: Buffer, sealed: string, context: string): string {
  const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64'));
  if (!iv || !tag || !body || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('sealed value is malformed');
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
}

/**
 * The keyed hash of a subject's name and place of residence, each folded (`foldText`):
 * an inquiry with this hash links to the record automatically. Variant keys, which only
 * make candidates, are in `matching/subject-keys.ts`.
 */
export function subjectHmac(key: Buffer, name: string, residence: string): string {
  return createHmac('sha256', key)
    .update(`${foldText(name)}\u0000${foldText(residence)}`)
    .digest('hex');
}
