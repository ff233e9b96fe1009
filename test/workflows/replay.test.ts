import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows } from '../helpers/worker';

/**
 * Histories recorded from real runs (`temporal workflow show -o json`), replayed against
 * today's workflow code: a change that would break running lifecycles fails here and
 * belongs behind `patched()`. Add a history for every new path.
 */
const dir = join(__dirname, '..', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('workflow determinism - stored histories replay without a non-determinism error', () => {
  let bundle: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    bundle = await bundleWorkflows();
  });

  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s', async (file) => {
    // runReplayHistory takes the JSON form that `temporal workflow show -o json` writes.
    const history: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    await expect(Worker.runReplayHistory({ workflowBundle: bundle }, history, file)).resolves.toBeUndefined();
  });
});
