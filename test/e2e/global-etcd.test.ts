import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { startControlPlane, type ControlPlaneProcess } from '../helpers/control-plane.ts';
import { meshctl } from '../helpers/meshctl.ts';
import { startEtcd, type TestServer } from '../helpers/servers.ts';

// The foundation's "done when": a Kuma docs example applied with meshctl against a global
// on etcd survives a restart of global and reads back identically, with meshctl and curl.

const EXAMPLE = new URL('./testdata/kuma-docs-mesh-and-timeout.yaml', import.meta.url);
const applied = parseAllDocuments(readFileSync(EXAMPLE, 'utf8')).map((d) => d.toJS() as Record<string, unknown>);

/** A read resource without what the server adds (timestamps, kri). */
function asApplied(doc: Record<string, unknown>) {
  const { creationTime: _c, modificationTime: _m, kri: _k, ...rest } = doc;
  return rest;
}

describe('global control plane on etcd, driven by meshctl', () => {
  let etcd: TestServer;
  let global: ControlPlaneProcess;
  const cli = meshctl();

  beforeAll(async () => {
    etcd = await startEtcd();
    global = await startControlPlane({ mode: 'global', env: { MESHWORK_STORE_TYPE: 'etcd', MESHWORK_STORE_ETCD_ENDPOINTS: etcd.url } });
    const add = await cli.run(['config', 'control-planes', 'add', '--name', 'global', '--address', global.apiUrl]);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
  });

  afterAll(async () => {
    await global?.[Symbol.asyncDispose]();
    await etcd?.[Symbol.asyncDispose]();
  });

  it('applies the Kuma docs example, survives a restart of global, and reads back identically', async () => {
    const apply = await cli.run(['apply', '-f', EXAMPLE.pathname]);
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    // The default mesh exists from global's first start, so applying it is an update.
    expect(apply.stdout).toBe('updated Mesh "default"\ncreated MeshTimeout "backend-timeouts" in mesh "default"\n');

    const read = async () => ({
      meshYaml: (await cli.run(['get', 'mesh', 'default', '-o', 'yaml'])).stdout,
      timeoutYaml: (await cli.run(['get', 'meshtimeout', 'backend-timeouts', '-m', 'default', '-o', 'yaml'])).stdout,
      meshJson: await (await fetch(`${global.apiUrl}/meshes/default`)).json(),
      timeoutJson: await (await fetch(`${global.apiUrl}/meshes/default/meshtimeouts/backend-timeouts`)).json(),
      adminToken: (await cli.run(['get', 'global-secret', 'admin-user-token', '-o', 'json'])).stdout,
    });
    const before = await read();
    // What was applied is what is read, plus the store's timestamps.
    expect(asApplied(parseYaml(before.meshYaml))).toEqual(applied[0]);
    const timeout = asApplied(parseYaml(before.timeoutYaml));
    // Global adds Kuma's computed kuma.io/mesh label, and nothing else, to what was applied.
    expect(timeout).toEqual({ ...applied[1], labels: { 'kuma.io/mesh': 'default' } });
    expect(Object.keys(timeout)).toEqual(['type', 'mesh', 'name', 'labels', 'spec']);
    expect(before.meshJson).toEqual(parseYaml(before.meshYaml));
    expect(before.timeoutJson).toEqual(parseYaml(before.timeoutYaml));
    expect(JSON.parse(before.adminToken).name).toBe('admin-user-token');

    expect(await global.stop()).toBe(0);
    expect(global.output()).toMatch(/"msg":"stopped"/);
    await global.start();

    const after = await read();
    expect(after).toEqual(before);
    expect(after.meshYaml).toBe(before.meshYaml);
    expect(after.timeoutYaml).toBe(before.timeoutYaml);
  });

  it('rejects bad input with the field named, exits non-zero, and changes nothing', async () => {
    const list = async () => (await fetch(`${global.apiUrl}/meshtimeouts`)).text();
    const before = await list();

    const invalidYaml = await cli.run(['apply', '-f', '-'], 'type: MeshTimeout\n  name: [oops\n');
    expect(invalidYaml.code).toBe(1);
    expect(invalidYaml.stderr).toMatch(/standard input is not valid YAML/);

    const unknownType = await cli.run(['apply', '-f', '-'], 'type: MeshTimeoutt\nname: x\nmesh: default\nspec: {}\n');
    expect(unknownType.code).toBe(1);
    expect(unknownType.stderr).toMatch(/\* type: unknown type "MeshTimeoutt"/);

    // Two documents, the second invalid: the server validates both first, so neither is applied.
    const mixed = await cli.run(
      ['apply', '-f', '-'],
      [
        'type: MeshTimeout\nname: fine\nmesh: default\nspec:\n  targetRef: {kind: Mesh}\n  to: [{targetRef: {kind: Mesh}, default: {idleTimeout: 1s}}]',
        'type: MeshTimeout\nname: broken\nmesh: default\nspec:\n  targetRef: {kind: Mesh}\n  to: [{targetRef: {kind: Mesh}, default: {http: {requestTimeout: -1s}}}]',
      ].join('\n---\n'),
    );
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toMatch(/\* spec\.to\[0\]\.default\.http\.requestTimeout: must not be negative/);

    const noMesh = await cli.run(['apply', '-f', '-'], 'type: MeshTimeout\nname: x\nmesh: nope\nspec:\n  to: [{targetRef: {kind: Mesh}, default: {idleTimeout: 1s}}]\n');
    expect(noMesh.code).toBe(1);
    expect(noMesh.stderr).toMatch(/\* mesh: mesh "nope" does not exist/);

    const missing = await cli.run(['get', 'meshtimeout', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/not found \(NOT_FOUND\)/);

    expect(await list()).toBe(before);
  });

  it('substitutes -v variables and validates --dry-run on the server without applying', async () => {
    const template = 'type: MeshTimeout\nname: "{{ name }}"\nmesh: default\nspec:\n  to: [{targetRef: {kind: Mesh}, default: {idleTimeout: "{{ idle }}"}}]\n';
    const dry = await cli.run(['apply', '-f', '-', '-v', 'name=templated', '-v', 'idle=10s', '--dry-run'], template);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/name: templated/);
    expect((await fetch(`${global.apiUrl}/meshes/default/meshtimeouts/templated`)).status).toBe(404);

    const dryBad = await cli.run(['apply', '-f', '-', '-v', 'name=templated', '-v', 'idle=-10s', '--dry-run'], template);
    expect(dryBad.code).toBe(1);
    expect(dryBad.stderr).toMatch(/idleTimeout: must not be negative/);

    const missingVar = await cli.run(['apply', '-f', '-', '-v', 'name=templated'], template);
    expect(missingVar.code).toBe(1);
    expect(missingVar.stderr).toMatch(/variables not provided: idle/);

    const real = await cli.run(['apply', '-f', '-', '-v', 'name=templated', '-v', 'idle=10s'], template);
    expect(real.stdout).toBe('created MeshTimeout "templated" in mesh "default"\n');
    const table = await cli.run(['get', 'meshtimeouts']);
    expect(table.stdout).toMatch(/^MESH\s+NAME\s+TARGETREF\s+AGE\n/);
    expect(table.stdout).toMatch(/default\s+templated\s+Mesh\s+\d+[smhd]/);
    const del = await cli.run(['delete', 'meshtimeout', 'templated']);
    expect(del.stdout).toBe('deleted MeshTimeout "templated" in mesh "default"\n');
  });

  it('inspects meshes, prints versions and manages control planes', async () => {
    const inspect = await cli.run(['inspect', 'meshes']);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toMatch(/^NAME\s+MTLS\s+SERVICES\s+DPS ONLINE\/TOTAL\s+POLICIES\s+AGE\n/);
    // 5 policies: Kuma's 4 defaults of a new mesh, and the MeshTimeout applied above.
    expect(inspect.stdout).toMatch(/default\s+ca-1\s+0\s+0\/0\s+5\s+/);
    const version = await cli.run(['version']);
    expect(version.stdout).toMatch(/^Client: Meshwork \d+\.\d+\.\d+\nControl Plane: Meshwork \d+\.\d+\.\d+, compatible with Kuma 2\.14\.3 \(global\)\n$/);

    const list = await cli.run(['config', 'control-planes', 'list']);
    expect(list.stdout).toMatch(/\*\s+global\s+http:\/\/127\.0\.0\.1:\d+/);
    const dup = await cli.run(['config', 'control-planes', 'add', '--name', 'global', '--address', global.apiUrl]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/already exists; use --overwrite/);
    const unreachable = await cli.run(['config', 'control-planes', 'add', '--name', 'dead', '--address', 'http://127.0.0.1:9']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach the control plane/);
    expect((await cli.run(['config', 'control-planes', 'switch', '--name', 'local'])).code).toBe(0);
    expect((await cli.run(['config', 'control-planes', 'remove', '--name', 'local'])).code).toBe(0);
    expect((await cli.run(['config', 'control-planes', 'switch', '--name', 'global'])).code).toBe(0);
    expect((await cli.run(['get', 'meshes'])).stdout).toMatch(/default\s+builtin\/ca-1/);
  });

  it('serves /ready, /healthy and Prometheus /metrics on the diagnostics port', async () => {
    expect((await fetch(`${global.diagnosticsUrl}/healthy`)).status).toBe(200);
    expect((await fetch(`${global.diagnosticsUrl}/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${global.diagnosticsUrl}/metrics`)).text();
    expect(metrics).toMatch(/^meshwork_api_server_http_request_duration_seconds_count\{method="GET",route="\/meshes\/:name",status="200"\} \d+$/m);
    expect(metrics).toMatch(/^meshwork_process_resident_memory_bytes \d+/m);
  });

  it('200 parallel unconditional PUTs of one policy all succeed, and the last one written is what is stored', async () => {
    const put = (i: number) =>
      fetch(`${global.apiUrl}/meshes/default/meshtimeouts/contended`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'MeshTimeout', mesh: 'default', name: 'contended', labels: { writer: String(i) }, spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: `${i + 1}s` } }] } }),
      }).then(async (res) => ({ status: res.status, etag: res.headers.get('etag'), writer: String(i) }));
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => put(i)));
    const statuses = results.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
    expect(statuses).toEqual({ 201: 1, 200: 199 });
    const last = results.reduce((a, b) => (Number(JSON.parse(b.etag!)) > Number(JSON.parse(a.etag!)) ? b : a));
    const stored = (await (await fetch(`${global.apiUrl}/meshes/default/meshtimeouts/contended`)).json()) as { labels: Record<string, string> };
    expect(stored.labels.writer).toBe(last.writer);
  });
});
