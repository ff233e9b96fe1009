import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { keyId } from '../activities/crypto';

/** The metadata `encoding` of a payload this codec sealed. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const CIPHER = 'encryption-cipher';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Bound to every sealed payload as associated data: a sealed blob of another system does not open here. */
const AAD = Buffer.from('erasure-orchestrator temporal payload', 'utf8');

/** The key that encrypts new payloads, and every key that may still open old ones (rotation). */
export interface PayloadKeys {
  readonly current: Buffer;
  readonly previous: readonly Buffer[];
}

const text = (value: Uint8Array | null | undefined) => (value ? Buffer.from(value).toString('utf8') : undefined);

/**
 * AES-256-GCM over each whole payload (its metadata included), with the key id in the
 * clear metadata so that a key can be rotated: new payloads use `current`, old ones open
 * with whichever key their id names. Payloads that were never sealed (histories from
 * before the codec) pass through decoding unchanged.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly currentId: string;
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(private readonly payloadKeys: PayloadKeys) {
    for (const key of [payloadKeys.current, ...payloadKeys.previous]) {
      if (key.length !== 32) throw new Error('payload keys must be 32 bytes (AES-256)');
    }
    this.currentId = keyId(payloadKeys.current);
    this.keys = new Map([payloadKeys.current, ...payloadKeys.previous].map((k) => [keyId(k), k]));
  }

  /** The key id new payloads carry. */
  get keyId(): string {
    return this.currentId;
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve(
      payloads.map((payload) => {
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv('aes-256-gcm', this.payloadKeys.current, iv, { authTagLength: TAG_BYTES });
        cipher.setAAD(AAD);
        const plain = temporal.api.common.v1.Payload.encode(payload).finish();
        const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
        return {
          metadata: {
            encoding: Buffer.from(ENCRYPTED_ENCODING),
            [KEY_ID]: Buffer.from(this.currentId),
            [CIPHER]: Buffer.from('AES-256-GCM'),
          },
          data: sealed,
        };
      }),
    );
  }

  /** Rejects (never throws) on a payload it cannot open: an unknown key id, or bytes that do not authenticate. */
  decode(payloads: Payload[]): Promise<Payload[]> {
    try {
      return Promise.resolve(payloads.map((payload) => this.open(payload)));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private open(payload: Payload): Payload {
    if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
    const id = text(payload.metadata?.[KEY_ID]) ?? '(none)';
    const key = this.keys.get(id);
    if (!key) throw new Error(`a payload is encrypted with key ${id}, which this process does not have: add that key to ERASURE_PAYLOAD_OLD_KEYS`);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new Error(`an encrypted payload (key ${id}) is too short to be one`);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(AAD);
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    try {
      return temporal.api.common.v1.Payload.decode(Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]));
    } catch {
      throw new Error(`an encrypted payload (key ${id}) does not authenticate: it was altered after it was sealed`);
    }
  }
}

/** The data converter of every client and worker: payloads sealed, failure messages encoded into a payload. */
export function dataConverter(keys: PayloadKeys): DataConverter {
  return {
    payloadCodecs: [new EncryptionCodec(keys)],
    failureConverterPath: require.resolve('../workflows/failure-converter'),
  };
}
