import { describe, expect, it } from 'vitest';
import type { Resource } from '../../resources/resource.ts';
import type { DataplaneSpec } from '../../resources/types/dataplane.ts';
import { computeRules, inboundRulesOf, routeRule, selectsDataplane, sortPolicies, type Policy } from './matching.ts';
import { fold, mergePatch } from './merge.ts';
import { meshServiceDestinations } from '../../meshservice/destinations.ts';
import { meshServiceDataplanes, meshServices } from '../../../test/helpers/mesh-service-fixtures.ts';

const meta = { creationTime: '', modificationTime: '', version: '1' };
const dp = (name: string, tags: Record<string, string>, labels: Record<string, string> = {}): Resource<DataplaneSpec> => ({
  type: 'Dataplane',
  mesh: 'default',
  name,
  labels,
  spec: { networking: { address: '10.0.0.1', inbound: [{ port: 8080, tags: { 'kuma.io/protocol': 'http', ...tags } }] } },
  ...meta,
});
const policy = (name: string, spec: Policy['spec'], labels: Record<string, string> = {}): Policy => ({ type: 'MeshTimeout', mesh: 'default', name, labels, spec, ...meta });

const web = dp('web-1', { 'kuma.io/service': 'web', version: 'v1', 'kuma.io/zone': 'zone-1' });
const backend = dp('backend-1', { 'kuma.io/service': 'backend', version: 'v2' });

describe('JSON Merge Patch folding', () => {
  it('merges objects, replaces scalars and lists, deletes on null, and appends append* lists', () => {
    expect(mergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1] }, { b: { c: 9, d: null }, l: [2] })).toEqual({ a: 1, b: { c: 9 }, l: [2] });
    expect(fold([{ appendModifications: [1] }, { appendModifications: [2, 3] }])).toEqual({ appendModifications: [1, 2, 3] });
    expect(fold([{ x: { y: 1 } }, { x: 'scalar' }])).toEqual({ x: 'scalar' });
  });

  it('remembers a fold by the identity of its confs, frozen, and never mixes up orders or contents', () => {
    const a = { http: { requestTimeout: '1s', retryOn: ['5xx'] } };
    const b = { http: { requestTimeout: '2s' } };
    const ab = fold([a, b]);
    expect(fold([a, b])).toBe(ab);
    expect(ab).toEqual({ http: { requestTimeout: '2s', retryOn: ['5xx'] } });
    expect(fold([b, a])).toEqual({ http: { requestTimeout: '1s', retryOn: ['5xx'] } });
    expect(fold([a])).not.toBe(ab);
    expect(fold([{ ...a }, b])).not.toBe(ab); // equal content, other objects: folded anew
    expect(Object.isFrozen((ab as typeof a).http.retryOn)).toBe(true);
    expect(() => ((ab as typeof a).http.requestTimeout = '3s')).toThrow(TypeError);
    expect(a.http.requestTimeout).toBe('1s'); // the confs themselves are untouched
  });
});

describe('targetRef selection', () => {
  it('selects by kind as Kuma does', () => {
    expect(selectsDataplane(undefined, web)).toBe(true);
    expect(selectsDataplane({ kind: 'Mesh' }, web)).toBe(true);
    expect(selectsDataplane({ kind: 'MeshSubset', tags: { 'kuma.io/zone': 'zone-1' } }, web)).toBe(true);
    expect(selectsDataplane({ kind: 'MeshSubset', tags: { 'kuma.io/zone': 'zone-2' } }, web)).toBe(false);
    expect(selectsDataplane({ kind: 'MeshService', name: 'web' }, web)).toBe(true);
    expect(selectsDataplane({ kind: 'MeshService', name: 'web' }, backend)).toBe(false);
    expect(selectsDataplane({ kind: 'MeshServiceSubset', name: 'backend', tags: { version: 'v2' } }, backend)).toBe(true);
    expect(selectsDataplane({ kind: 'MeshServiceSubset', name: 'backend', tags: { version: 'v1' } }, backend)).toBe(false);
    expect(selectsDataplane({ kind: 'Dataplane', name: 'web-1' }, web)).toBe(true);
    expect(selectsDataplane({ kind: 'Mesh', proxyTypes: ['Sidecar'] }, web)).toBe(true);
    expect(selectsDataplane({ kind: 'Mesh', proxyTypes: ['Gateway'] }, web)).toBe(false);
    // A synced dataplane is also found by its display name.
    expect(selectsDataplane({ kind: 'Dataplane', name: 'web-1' }, dp('web-1-abc', {}, { 'kuma.io/display-name': 'web-1' }))).toBe(true);
  });
});

describe('precedence and merged confs (Kuma examples)', () => {
  it('orders by kind, then origin (zone after global), then name descending', () => {
    const order = sortPolicies([
      policy('svc', { targetRef: { kind: 'MeshService', name: 'web' } }),
      policy('b', { targetRef: { kind: 'Mesh' } }),
      policy('a', { targetRef: { kind: 'Mesh' } }),
      policy('zone-local', { targetRef: { kind: 'Mesh' } }, { 'kuma.io/origin': 'zone' }),
      policy('dp', { targetRef: { kind: 'Dataplane', name: 'web-1' } }),
      policy('subset', { targetRef: { kind: 'MeshSubset', tags: { version: 'v1' } } }),
    ]).map((p) => p.name);
    expect(order).toEqual(['b', 'a', 'zone-local', 'dp', 'subset', 'svc']);
  });

  it('a MeshService policy overrides the Mesh-wide default for that service only', () => {
    const policies = [
      policy('mesh-default', { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { connectionTimeout: '5s', idleTimeout: '1h', http: { requestTimeout: '15s' } } }] }),
      policy('web-to-backend', { targetRef: { kind: 'MeshService', name: 'web' }, to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { http: { requestTimeout: '2s' } } }] }),
    ];
    const forWeb = computeRules(policies, web, ['backend', 'redis']);
    expect(forWeb.to.get('backend')).toEqual({ conf: { connectionTimeout: '5s', idleTimeout: '1h', http: { requestTimeout: '2s' } }, origin: ['mesh-default', 'web-to-backend'] });
    expect(forWeb.to.get('redis')!.conf).toEqual({ connectionTimeout: '5s', idleTimeout: '1h', http: { requestTimeout: '15s' } });
    expect(computeRules(policies, backend, ['backend']).to.get('backend')!.conf).toEqual({ connectionTimeout: '5s', idleTimeout: '1h', http: { requestTimeout: '15s' } });
  });

  it('within the same kind, the smallest name wins; a zone policy beats a global one', () => {
    const rules = computeRules(
      [
        policy('b', { to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '2s' } }] }),
        policy('a', { to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '1s' } }] }),
      ],
      web,
      ['x'],
    );
    expect(rules.to.get('x')!.conf).toEqual({ idleTimeout: '1s' });
    const zoneWins = computeRules(
      [policy('a', { to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '1s' } }] }), policy('z', { to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '9s' } }] }, { 'kuma.io/origin': 'zone' })],
      web,
      ['x'],
    );
    expect(zoneWins.to.get('x')!.conf).toEqual({ idleTimeout: '9s' });
  });

  it('folds inbound from(Mesh) and rules, keeps per-caller from items, and top-level defaults', () => {
    const rules = computeRules(
      [
        policy('in', { from: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '10s' } }, { targetRef: { kind: 'MeshService', name: 'web' }, default: { action: 'Deny' } }] }),
        policy('rules', { targetRef: { kind: 'MeshService', name: 'backend' }, rules: [{ default: { http: { requestTimeout: '3s' } } }] }),
        policy('trace', { default: { sampling: { overall: 10 } } }),
      ],
      backend,
      [],
    );
    expect(rules.inbound!.conf).toEqual({ idleTimeout: '10s', http: { requestTimeout: '3s' } });
    expect(rules.from.map((f) => f.targetRef.kind)).toEqual(['Mesh', 'MeshService']);
    expect(rules.single!.conf).toEqual({ sampling: { overall: 10 } });
    // Policies of another mesh or selecting other proxies do not apply.
    expect(computeRules([{ ...policy('x', { to: [{ targetRef: { kind: 'Mesh' }, default: { a: 1 } }] }), mesh: 'other' }], web, ['s']).to.size).toBe(0);
  });
});

describe('policies targeting a MeshHTTPRoute (Kuma MADR 028)', () => {
  const base = { conf: { http: { requestTimeout: '3s', streamIdleTimeout: '1h' } }, origin: ['service-wide'] };
  const onRoute = (name: string, route: string, conf: object, labels: Record<string, string> = {}) => policy(name, { targetRef: { kind: 'MeshHTTPRoute', name: route }, to: [{ targetRef: { kind: 'Mesh' }, default: conf }] }, labels);

  it('folds the confs of the policies targeting the routes an Envoy route came from over the destination rule', () => {
    const policies = [onRoute('b', 'route-1', { http: { requestTimeout: '1s' } }), onRoute('a', 'route-1', { http: { requestTimeout: '2s', maxStreamDuration: '5s' } }), onRoute('other', 'route-2', { http: { requestTimeout: '9s' } })];
    // Same kind and origin: the policy whose name sorts first is the more specific (applied last).
    expect(routeRule(policies, web, ['route-1'], 'backend', base)).toEqual({ conf: { http: { requestTimeout: '2s', streamIdleTimeout: '1h', maxStreamDuration: '5s' } }, origin: ['service-wide', 'b', 'a'] });
    expect(routeRule(policies, web, ['route-3'], 'backend', base)).toBeUndefined();
    // A zone policy is more specific than a global one.
    const zone = onRoute('z', 'route-1', { http: { requestTimeout: '7s' } }, { 'kuma.io/origin': 'zone' });
    expect((routeRule([zone, ...policies], web, ['route-1'], 'backend', undefined)!.conf as { http: { requestTimeout: string } }).http.requestTimeout).toBe('7s');
    // Policies targeting routes never count as selecting a proxy by themselves.
    expect(computeRules(policies, web, ['backend']).to.size).toBe(0);
  });

  it('a policy selecting the proxy that names a route in `to` (kind MeshHTTPRoute) configures that route, for the proxies it selects', () => {
    const naming = policy('web-routes', { targetRef: { kind: 'MeshSubset', tags: { 'kuma.io/service': 'web' } }, to: [{ targetRef: { kind: 'MeshHTTPRoute', name: 'route-1' }, default: { http: { requestTimeout: '4s' } } }] });
    const top = onRoute('top', 'route-1', { http: { requestTimeout: '1s', streamIdleTimeout: '5s' } });
    expect(routeRule([naming, top], web, ['route-1'], 'backend', base)).toEqual({ conf: { http: { requestTimeout: '4s', streamIdleTimeout: '5s' } }, origin: ['service-wide', 'top', 'web-routes'] });
    expect(routeRule([naming], web, ['route-2'], 'backend', base)).toBeUndefined();
    // backend-1 is not selected by the policy.
    expect(routeRule([naming], backend, ['route-1'], 'web', base)).toBeUndefined();
    // The route entry is no destination rule.
    expect(computeRules([naming], web, ['backend']).to.size).toBe(0);
  });
});

describe('policies for one inbound (targetRef sectionName, Kuma 2.10)', () => {
  const twoInbounds: Resource<DataplaneSpec> = {
    ...backend,
    labels: { app: 'backend' },
    spec: { networking: { address: '10.0.0.2', inbound: [{ port: 8080, name: 'http', tags: { 'kuma.io/service': 'backend' } }, { port: 9090, tags: { 'kuma.io/service': 'backend' } }] } },
  };
  it('adds its rules to the inbound it names (by name or port) only', () => {
    const all = policy('all', { targetRef: { kind: 'Mesh' }, rules: [{ default: { idleTimeout: '1m' } }] });
    const byName = policy('by-name', { targetRef: { kind: 'Dataplane', labels: { app: 'backend' }, sectionName: 'http' }, rules: [{ default: { http: { requestTimeout: '5s' } } }] });
    const byPort = policy('by-port', { targetRef: { kind: 'Dataplane', name: 'backend-1', sectionName: '9090' }, rules: [{ default: { idleTimeout: '2m' } }] });
    const rules = computeRules([all, byName, byPort], twoInbounds, []);
    expect(rules.inbound?.conf).toEqual({ idleTimeout: '1m' });
    expect(inboundRulesOf(rules, 8080).inbound).toEqual({ conf: { idleTimeout: '1m', http: { requestTimeout: '5s' } }, origin: ['all', 'by-name'] });
    expect(inboundRulesOf(rules, 9090).inbound).toEqual({ conf: { idleTimeout: '2m' }, origin: ['all', 'by-port'] });
    // A section the dataplane does not have selects nothing.
    expect(selectsDataplane({ kind: 'Dataplane', name: 'backend-1', sectionName: 'grpc' }, twoInbounds)).toBe(false);
    // Without sectioned policies, no per-inbound rules are computed.
    expect(computeRules([all], twoInbounds, []).sections).toBeUndefined();
  });

  it('MeshService ports: `to` by name or labels, a sectionName (port name or number) over the whole service over the Mesh', () => {
    const [backendPort, dbPort] = meshServiceDestinations(meshServices, meshServiceDataplanes).destinations;
    const rules = computeRules(
      [
        policy('mesh', { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { a: 'mesh', b: 'mesh', c: 'mesh' } }] }),
        policy('section', { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', name: 'backend', sectionName: '8080' }, default: { a: 'section' } }] }),
        policy('whole', { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { a: 'whole', b: 'whole' } }] }),
        policy('labels', { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', labels: { team: 'data' } }, default: { c: 'labels' } }, { targetRef: { kind: 'MeshService', name: 'db', sectionName: 'other' }, default: { c: 'other' } }] }),
      ],
      web,
      ['backend'],
      [backendPort!, dbPort!],
    );
    expect(rules.to.get('default_backend__zone-1_msvc_8080')!.conf).toEqual({ a: 'section', b: 'whole', c: 'mesh' });
    expect(rules.to.get('default_db__zone-1_msvc_5432')!.conf).toEqual({ a: 'mesh', b: 'mesh', c: 'labels' });
    // The tag service of the same name is another destination, with its own rule (a tag service has no ports: sectionName is not read).
    expect(rules.to.get('backend')!.conf).toEqual({ a: 'section', b: 'whole', c: 'mesh' });
  });
});
