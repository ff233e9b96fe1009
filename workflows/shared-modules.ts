// Preloaded once per worker thread and shared, deep-frozen, by every workflow in the
// reusable V8 context (WorkerOptions.bundlerOptions.preloadModules): zod's module scope
// (hundreds of class definitions) would otherwise be evaluated again for each workflow.
// Module state zod computes lazily is computed here, before the worker freezes it.
import { z } from 'zod';

// Each workflow builds its own schemas and parses a handful of values with them: compiling
// a fast path per schema (zod's JIT) costs more time and memory than it saves here.
z.config({ jitless: true });
z.strictObject({ warm: z.string() }).safeParse({ warm: 'up' });
