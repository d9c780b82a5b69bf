import { describe, expect, it } from 'vitest';
import { violationsOf } from '../../../test/helpers/validation.ts';

// MeshService, as Kuma 2.14 validates it: its schema's shape, then validator.go's two rules.
// The cases of Kuma's validator_test.go, and the schema's.

const ms = (name: string, spec: string) => `type: MeshService\nmesh: default\nname: ${name}\nspec: ${spec}\n`;

describe('MeshService validation (Kuma validator_test.go)', () => {
  it('refuses a name longer than 63 characters', () => {
    expect(violationsOf(ms('meshservice-too-long-too-long-too-long-too-long-too-long-too-long-too-long-too-long-too-long', '{}'))).toEqual([{ field: 'name', reason: 'must not be longer than 63 characters' }]);
  });
  it('refuses several selectors', () => {
    expect(violationsOf(ms('meshservice', '{selector: {dataplaneTags: {app: redis}, dataplaneLabels: {matchLabels: {app: redis}}}}'))).toEqual([{ field: 'spec.selector', reason: 'must specify only one of: dataplaneTags, dataplaneRef, or dataplaneLabels' }]);
  });
  for (const [name, spec] of [
    ['an empty spec', '{}'],
    ['a dataplaneTags selector', '{selector: {dataplaneTags: {app: redis}}}'],
    ['a dataplaneRef selector', '{selector: {dataplaneRef: {name: redis-01}}}'],
    ['a dataplaneLabels selector', '{selector: {dataplaneLabels: {matchLabels: {app: redis}}}}'],
    ['ports by number and name, with protocols, state and identities', '{selector: {dataplaneTags: {kuma.io/service: redis}}, ports: [{port: 6379, targetPort: 6379, appProtocol: tcp}, {name: http, port: 80, targetPort: main}], state: Available, identities: [{type: ServiceTag, value: redis}]}'],
  ]) {
    it(`accepts ${name}`, () => expect(violationsOf(ms('meshservice', spec!))).toEqual([]));
  }
  it('checks the display name, not the hash-suffixed name a synced copy has', () => {
    const long = `${'a'.repeat(60)}-0123456789abcdef`;
    expect(violationsOf(`type: MeshService\nmesh: default\nname: ${long}\nlabels: {kuma.io/display-name: short}\nspec: {}\n`)).toEqual([]);
  });
});

describe('MeshService validation (the schema: Kuma checks it before the validator)', () => {
  for (const [name, spec, field] of [
    ['a port without a number', '{ports: [{name: http}]}', 'spec.ports[0].port'],
    ['a port out of range', '{ports: [{port: 70000}]}', 'spec.ports[0].port'],
    ['a targetPort that is neither a number nor a name', '{ports: [{port: 80, targetPort: true}]}', 'spec.ports[0].targetPort'],
    ['an unknown state', '{state: Ready}', 'spec.state'],
    ['an identity of an unknown type', '{identities: [{type: Email, value: x}]}', 'spec.identities[0].type'],
    ['an unknown field', '{selector: {dataplaneName: x}}', 'spec.selector.dataplaneName'],
  ]) {
    it(`refuses ${name}`, () => expect(violationsOf(ms('meshservice', spec!)).map((v) => v.field)).toEqual([field]));
  }
  it('ignores a status given by the user (it is the control plane\'s)', () => {
    expect(violationsOf(`type: MeshService\nmesh: default\nname: redis\nspec: {}\nstatus: {vips: [{ip: 241.0.0.9}]}\n`)).toEqual([]);
  });
});
