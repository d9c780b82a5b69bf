import { isMeshworkError } from '../core/errors.ts';
import type { ResourceInput } from '../resources/resource.ts';
import type { HostnameGeneratorSpec } from '../resources/types/hostname-generator.ts';
import type { ResourceStore } from '../store/store.ts';

// Kuma's default HostnameGenerators (pkg/defaults/hostname_generator.go). Global makes the
// `synced-*` ones (they reach every zone and name what other zones sent); a zone makes its
// `local-*` ones, labelled kuma.io/origin: zone. Each is created once; an existing one (also
// a user's change to it) is left alone.

const hg = (name: string, spec: HostnameGeneratorSpec, labels: Record<string, string> = {}): ResourceInput => ({ type: 'HostnameGenerator', name, labels, spec });

export const GLOBAL_HOSTNAME_GENERATORS: readonly ResourceInput[] = [
  hg('synced-mesh-multi-zone-service', { selector: { meshMultiZoneService: { matchLabels: { 'kuma.io/origin': 'global' } } }, template: '{{ .DisplayName }}.mzsvc.mesh.local' }),
  hg('synced-kube-mesh-service', { selector: { meshService: { matchLabels: { 'kuma.io/origin': 'global', 'k8s.kuma.io/is-headless-service': 'false', 'kuma.io/env': 'kubernetes' } } }, template: '{{ .DisplayName }}.{{ .Namespace }}.svc.{{ .Zone }}.mesh.local' }),
  hg('synced-headless-kube-mesh-service', {
    selector: { meshService: { matchLabels: { 'kuma.io/origin': 'global', 'k8s.kuma.io/is-headless-service': 'true', 'kuma.io/env': 'kubernetes' } } },
    template: '{{ label "statefulset.kubernetes.io/pod-name" }}.{{ label "k8s.kuma.io/service-name" }}.{{ .Namespace }}.svc.{{ .Zone }}.mesh.local',
  }),
  hg('synced-universal-mesh-service', { selector: { meshService: { matchLabels: { 'kuma.io/origin': 'global', 'kuma.io/env': 'universal' } } }, template: '{{ .DisplayName }}.svc.{{ .Zone }}.mesh.local' }),
  hg('synced-mesh-external-service', { selector: { meshExternalService: { matchLabels: { 'kuma.io/origin': 'global' } } }, template: '{{ .DisplayName }}.extsvc.mesh.local' }),
];

export const ZONE_HOSTNAME_GENERATORS: readonly ResourceInput[] = [
  hg('local-mesh-external-service', { selector: { meshExternalService: { matchLabels: { 'kuma.io/origin': 'zone' } } }, template: '{{ .DisplayName }}.extsvc.mesh.local' }, { 'kuma.io/origin': 'zone' }),
  hg('local-universal-mesh-service', { selector: { meshService: { matchLabels: { 'kuma.io/origin': 'zone' } } }, template: '{{ .DisplayName }}.svc.mesh.local' }, { 'kuma.io/origin': 'zone' }),
];

/** Creates those of `generators` that do not exist; returns the names created. */
export async function ensureHostnameGenerators(store: ResourceStore, generators: readonly ResourceInput[]): Promise<string[]> {
  const created: string[] = [];
  for (const g of generators) {
    try {
      await store.create(g);
      created.push(g.name);
    } catch (err) {
      if (!isMeshworkError(err, 'ALREADY_EXISTS')) throw err;
    }
  }
  return created;
}
