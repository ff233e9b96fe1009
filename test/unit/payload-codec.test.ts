import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { keyId } from '../../activities/crypto';
import { ENCRYPTED_ENCODING, EncryptionCodec } from '../../infra/payload-codec';

const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('utf8');

describe('payload codec - AES-256-GCM with the key id in the metadata', () => {
  const value = { recordId: 'R-17', note: 'Synthetic Person 0001, Demo Town' };
  const payload = defaultPayloadConverter.toPayload(value);

  it('encode, then decode - seals the whole payload, names the key, and gives back exactly the original', async () => {
    const key = randomBytes(32);
    const codec = new EncryptionCodec({ current: key, previous: [] });
    const [sealed] = await codec.encode([payload]);
    expect(text(sealed?.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(sealed?.metadata?.['encryption-key-id'])).toBe(keyId(key));
    expect(text(sealed?.data)).not.toContain('Synthetic Person');
    expect(text(sealed?.data)).not.toContain('json/plain'); // the inner metadata is sealed too
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual(value);
  });

  it('decode - after a key rotation - old payloads open with the previous key, new ones use the new key; a retired key is named', async () => {
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const [old] = await new EncryptionCodec({ current: oldKey, previous: [] }).encode([payload]);
    const rotated = new EncryptionCodec({ current: newKey, previous: [oldKey] });
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!)).toEqual(value);
    const [fresh] = await rotated.encode([payload]);
    expect(text(fresh?.metadata?.['encryption-key-id'])).toBe(keyId(newKey));
    await expect(new EncryptionCodec({ current: newKey, previous: [] }).decode([old!])).rejects.toThrow(
      `a payload is encrypted with key ${keyId(oldKey)}, which this process does not have: add that key to ERASURE_PAYLOAD_OLD_KEYS`,
    );
  });

  it('decode - a payload changed by one bit - is refused; one that was never sealed passes through unchanged', async () => {
    const codec = new EncryptionCodec({ current: randomBytes(32), previous: [] });
    const [sealed] = await codec.encode([payload]);
    const data = Buffer.from(sealed!.data!);
    data[20] = (data[20] ?? 0) ^ 1;
    await expect(codec.decode([{ ...sealed!, data }])).rejects.toThrow('does not authenticate: it was altered after it was sealed');
    await expect(codec.decode([payload])).resolves.toEqual([payload]);
  });
});
