import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { keyId } from '../../activities/crypto';
import { checkCodecToken, issueCodecToken } from '../../infra/codec-token';
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

describe('codec tokens - who may ask the codec server to decode', () => {
  const keys = { current: randomBytes(32), previous: [] };
  it('a token - checked - gives its user; expired, forged or from another key - refused with the reason', () => {
    const { token } = issueCodecToken(keys, 'rev', 60_000);
    expect(checkCodecToken(keys, token)).toEqual({ claims: { u: 'rev', exp: expect.any(Number) } });
    expect(checkCodecToken(keys, token, Date.now() + 120_000)).toEqual({ problem: expect.stringContaining('the token expired at') });
    const [v, , mac] = token.split('.');
    const forged = `${v}.${Buffer.from(JSON.stringify({ u: 'otto', exp: 9_999_999_999 })).toString('base64url')}.${mac}`;
    expect(checkCodecToken(keys, forged)).toEqual({ problem: 'the token was not issued here (or the payload key changed since)' });
    expect(checkCodecToken({ current: randomBytes(32), previous: [] }, token)).toEqual({
      problem: 'the token was not issued here (or the payload key changed since)',
    });
    expect(checkCodecToken(keys, 'hello')).toEqual({ problem: expect.stringContaining('not a codec token') });
  });
});
