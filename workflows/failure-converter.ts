import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failure messages and stack traces travel as an encoded payload (encrypted by the
 * payload codec), not in the clear: a message that ever quoted a value would otherwise
 * sit readable in the history. Loaded by path in the workflow sandbox, the worker and the
 * clients alike (DataConverter.failureConverterPath).
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
