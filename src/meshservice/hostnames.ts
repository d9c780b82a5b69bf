import type { Resource } from '../resources/resource.ts';
import { DISPLAY_NAME_LABEL, K8S_NAMESPACE_LABEL, ORIGIN_LABEL, ZONE_LABEL } from '../resources/labels.ts';
import { evaluateHostnameTemplate } from '../resources/go-template.ts';
import type { HostnameGeneratorSpec } from '../resources/types/hostname-generator.ts';
import type { MeshServiceStatus } from '../resources/types/mesh-service.ts';
import { tagsMatch } from '../policies/core/matching.ts';
import { olderFirst } from './age.ts';

// Kuma's hostname generation for MeshServices: each HostnameGenerator whose selector matches
// a service's labels renders its template for it; the names land in status.addresses and each
// generator's outcome in status.hostnameGenerators (Generated, TemplateError or Collision).
// One hostname belongs to one service per mesh: the oldest service keeps it, zone generators
// go before synced ones. A pure function: the component writes what changed.

type Addresses = NonNullable<MeshServiceStatus['addresses']>;
type GeneratorStatuses = NonNullable<MeshServiceStatus['hostnameGenerators']>;

export interface ServiceHostnames {
  addresses: Addresses;
  hostnameGenerators: GeneratorStatuses;
}

const byAge = olderFirst((r: Resource) => r.name);

/** A template rendered for one service, as Kuma's EvaluateTemplate does (errors as its messages). */
export function renderHostname(template: string, service: Resource, localZone: string): { hostname: string } | { error: string } {
  const fields = { Name: service.name, DisplayName: service.labels[DISPLAY_NAME_LABEL] ?? service.name, Namespace: service.labels[K8S_NAMESPACE_LABEL] ?? '', Mesh: service.mesh ?? '', Zone: service.labels[ZONE_LABEL] || localZone };
  const r = evaluateHostnameTemplate(template, fields, service.labels);
  if ('hostname' in r) return r;
  if (r.step === 'parse') return { error: `failed compiling gotemplate error="${r.message}"` };
  if (r.step === 'render') return { error: `pre evaluation of template with parameters failed with error="${r.message}"` };
  return { error: `generated hostname "${r.rendered}" is not a valid DNS name: ${r.message}` };
}

/** The addresses and generator conditions of every MeshService, by `mesh/name`. */
export function planHostnames(services: readonly Resource[], generators: readonly Resource<HostnameGeneratorSpec>[], localZone: string): Map<string, ServiceHostnames> {
  const out = new Map<string, ServiceHostnames>();
  const key = (s: Resource) => `${s.mesh}/${s.name}`;
  for (const s of services) out.set(key(s), { addresses: [], hostnameGenerators: [] });
  const ordered = [...generators].filter((g) => g.spec.selector?.meshService).sort((a, b) => {
    const zoneA = a.labels[ORIGIN_LABEL] === 'zone' ? 0 : 1;
    const zoneB = b.labels[ORIGIN_LABEL] === 'zone' ? 0 : 1;
    return zoneA - zoneB || byAge(a, b);
  });
  const claimed = new Map<string, string>(); // mesh/hostname → service name
  const results = new Map<string, Map<string, { hostname?: string; condition: GeneratorStatuses[number]['conditions'][number] }>>();
  const oldestFirst = [...services].sort(byAge);
  for (const g of ordered) {
    for (const s of oldestFirst) {
      if (!tagsMatch(s.labels, g.spec.selector!.meshService!.matchLabels)) continue;
      const r = renderHostname(g.spec.template, s, localZone);
      let entry: { hostname?: string; condition: GeneratorStatuses[number]['conditions'][number] };
      if ('error' in r) entry = { condition: { type: 'Generated', status: 'False', reason: 'TemplateError', message: r.error } };
      else {
        const owner = claimed.get(`${s.mesh}/${r.hostname}`);
        if (owner !== undefined && owner !== s.name) entry = { condition: { type: 'Generated', status: 'False', reason: 'Collision', message: `Hostname collision with MeshService: ${s.name}` } };
        else {
          claimed.set(`${s.mesh}/${r.hostname}`, s.name);
          entry = { hostname: r.hostname, condition: { type: 'Generated', status: 'True', reason: 'Generated', message: '' } };
        }
      }
      const perService = results.get(key(s)) ?? new Map();
      perService.set(g.name, entry);
      results.set(key(s), perService);
    }
  }
  for (const [k, perGenerator] of results) {
    const target = out.get(k)!;
    for (const name of [...perGenerator.keys()].sort()) {
      const e = perGenerator.get(name)!;
      if (e.hostname) target.addresses.push({ hostname: e.hostname, origin: 'HostnameGenerator', hostnameGeneratorRef: { coreName: name } });
      target.hostnameGenerators.push({ hostnameGeneratorRef: { coreName: name }, conditions: [e.condition] });
    }
  }
  return out;
}
