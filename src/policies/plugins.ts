import type { PolicyPlugin } from './core/plugin.ts';
import { POLICIES } from './index.ts';

// The Envoy plugins of every policy (policies/index.ts), in the order they run. Importing this
// module loads them; the registry (which the CLI loads) does not.

export const POLICY_PLUGINS: readonly PolicyPlugin[] = (await Promise.all(POLICIES.map((p) => p.loadPlugin()))).sort((a, b) => a.order - b.order);
