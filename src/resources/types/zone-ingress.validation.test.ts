import { describe, it } from 'vitest';
import { expectInvalid, expectValid } from '../../../test/helpers/validation.ts';

// ZoneIngress validation as Kuma 2.14 validates it (zone_ingress_validator.go): our own cases,
// Kuma's messages; where Kuma's paths name fields no document has (networking.address.address, availableService[i]), the real ones.

type Obj = Record<string, unknown>;
const zi = (networking: Obj, rest: Obj = {}): Obj => ({ type: 'ZoneIngress', name: 'ingress-east', networking, ...rest });
const base = { address: '10.2.0.4', port: 10001 };

const valid: [string, Obj][] = [
  ['no advertised address and port (yet)', zi(base)],
  ['an advertised address and port', zi({ ...base, advertisedAddress: 'ingress.east.example.com', advertisedPort: 443 }, { availableServices: [{ mesh: 'shop', tags: { 'kuma.io/service': 'orders', version: 'v2' }, instances: 3 }] })],
  ['an advertised IPv6 address', zi({ ...base, advertisedAddress: 'fd00::4', advertisedPort: 10001 })],
  ['the admin port equal to the port on another interface', zi({ ...base, admin: { port: 10001 }, advertisedAddress: '203.0.113.9', advertisedPort: 10001 })],
];

const invalid: [string, Obj, string[] | Record<string, string | string[]>][] = [
  ['no port', zi({ address: '10.2.0.4' }), { 'networking.port': 'port must be in the range [1, 65535]' }],
  ['a port out of range', zi({ address: '10.2.0.4', port: 65536 }), { 'networking.port': 'port must be in the range [1, 65535]' }],
  ['an advertised port out of range', zi({ ...base, advertisedAddress: '203.0.113.9', advertisedPort: 0 }), { 'networking.advertisedPort': 'port must be in the range [1, 65535]' }],
  ['an advertised port without an address', zi({ ...base, advertisedPort: 443 }), { 'networking.advertisedAddress': 'has to be defined with advertisedPort' }],
  ['an advertised address without a port', zi({ ...base, advertisedAddress: '203.0.113.9' }), { 'networking.advertisedPort': 'has to be defined with advertisedAddress' }],
  ['an advertised address neither IP nor DNS name', zi({ ...base, advertisedAddress: 'ingress east', advertisedPort: 443 }), { 'networking.advertisedAddress': 'address has to be valid IP address or domain name' }],
  ['the address 0.0.0.0', zi({ address: '0.0.0.0', port: 10001 }), { 'networking.address': 'must not be 0.0.0.0 or ::' }],
  ['no address (Meshwork requires one)', zi({ port: 10001 }), { 'networking.address': "address can't be empty" }],
  ['the admin port equal to the port on the loopback', zi({ address: '127.0.0.1', port: 10001, admin: { port: 10001 } }), { 'networking.admin.port': 'must differ from port' }],
  ['the admin port equal to the advertised port on the loopback', zi({ ...base, admin: { port: 443 }, advertisedAddress: '127.0.0.1', advertisedPort: 443 }), { 'networking.admin.port': 'must differ from port' }],
  [
    'available services without the service tag or with empty values',
    zi(base, { availableServices: [{ tags: { 'kuma.io/service': 'orders' } }, { tags: { version: 'v1' } }, { tags: { 'kuma.io/service': '' } }, { tags: { 'kuma.io/service': 'a b' } }] }),
    {
      'availableServices[1].tags': 'mandatory tag "kuma.io/service" is missing',
      'availableServices[2].tags["kuma.io/service"]': 'tag value must be non-empty',
      'availableServices[3].tags["kuma.io/service"]': 'tag value must consist of alphanumeric characters, dots, dashes and underscores',
    },
  ],
];

describe('ZoneIngress validation (Kuma 2.14 rules)', () => {
  it.each(valid)('accepts %s', (_name, doc) => {
    expectValid(doc);
  });
  it.each(invalid)('refuses %s', (_name, doc, fields) => {
    expectInvalid(doc, fields);
  });
});
