import type { PolicyPlugin } from './core/plugin.ts';
import { meshTimeoutPlugin } from './meshtimeout/plugin.ts';
import { meshTrafficPermissionPlugin } from './meshtrafficpermission/plugin.ts';

// The Envoy plugins of the policies enforced so far, in the order they run. Kept apart from
// the descriptors (policies/index.ts) so that the registry, which the CLI loads, stays light.

export const POLICY_PLUGINS: readonly PolicyPlugin[] = [meshTrafficPermissionPlugin, meshTimeoutPlugin].sort((a, b) => a.order - b.order);
