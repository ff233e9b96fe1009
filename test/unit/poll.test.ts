import { until } from '../helpers/poll';

describe('until - polling instead of fixed sleeps', () => {
  it("until - the probe reaches the state - returns the probe's value", async () => {
    let n = 0;
    await expect(until('n to reach 3', () => ++n, { accept: (v) => v >= 3, intervalMs: 1 })).resolves.toBe(3);
  });

  it('until - by default - waits past undefined, null and false', async () => {
    const values = [undefined, null, false, { stage: 'done' }];
    await expect(until('a value', () => values.shift(), { intervalMs: 1 })).resolves.toEqual({ stage: 'done' });
  });

  it('until - the state never comes - fails naming what it waited for and the last value seen', async () => {
    let n = 0;
    await expect(until('the run to settle', () => ({ stage: 'settle', pending: ++n }), { accept: () => false, timeoutMs: 50, intervalMs: 5 })).rejects.toThrow(
      /^timed out after 50 ms waiting for the run to settle; last value seen: \{ stage: 'settle', pending: \d+ \}$/,
    );
  });

  it('until - the probe keeps failing - says so with its last error', async () => {
    await expect(
      until(
        'a query answer',
        () => {
          throw new Error('no worker answered');
        },
        { timeoutMs: 20, intervalMs: 5 },
      ),
    ).rejects.toThrow('timed out after 20 ms waiting for a query answer; no value seen; the last probe failed: no worker answered');
  });
});
