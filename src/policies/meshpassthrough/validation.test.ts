import { policyValidationTable } from '../../../test/helpers/policy-validation.ts';

// MeshPassthrough, as Kuma 2.14 validates it (meshpassthrough/api/v1alpha1/validator.go).

const matches = (m: string) => `default: {passthroughMode: Matched, appendMatch: [${m}]}`;

policyValidationTable('MeshPassthrough', {
  valid: [
    { name: 'domains, IPs, CIDRs and a MySQL server', spec: matches('{type: Domain, value: api.example.com, port: 443, protocol: tls}, {type: Domain, value: "*.example.org", port: 80, protocol: http}, {type: CIDR, value: 10.0.0.0/8}, {type: IP, value: 192.0.2.5, port: 3306, protocol: mysql}') },
    { name: 'everything', spec: 'default: {passthroughMode: All}' },
  ],
  invalid: [
    { name: 'MySQL without a port', spec: matches('{type: IP, value: 192.0.2.5, protocol: mysql}'), fields: ['spec.default.appendMatch[0].port'], reason: 'port must be defined for Mysql protocol' },
    { name: 'a domain over plain TCP or MySQL', spec: matches('{type: Domain, value: db.example.com, port: 3306, protocol: mysql}, {type: Domain, value: a.example.com, port: 22}'), fields: ['spec.default.appendMatch[0].protocol', 'spec.default.appendMatch[1].protocol'], reason: 'is not supported for a domain' },
    { name: 'a partial wildcard', spec: matches('{type: Domain, value: "*api.example.com", port: 443, protocol: tls}'), fields: ['spec.default.appendMatch[0].value'], reason: 'partial wildcard' },
    { name: 'a wildcard HTTP domain on every port', spec: matches('{type: Domain, value: "*.example.com", protocol: http}'), fields: ['spec.default.appendMatch[0].port'] },
    { name: 'two HTTP protocols on one port', spec: matches('{type: Domain, value: a.example.com, port: 8080, protocol: http}, {type: Domain, value: b.example.com, port: 8080, protocol: grpc}'), fields: ['spec.default.appendMatch[1].port'] },
    { name: 'the same value twice on a port', spec: matches('{type: IP, value: 192.0.2.1, port: 80, protocol: tcp}, {type: IP, value: 192.0.2.1, port: 80, protocol: tcp}'), fields: ['spec.default.appendMatch[1].value'] },
    { name: 'an IP and a CIDR that are none', spec: matches('{type: IP, value: 300.1.1.1}, {type: CIDR, value: 10.0.0.0}'), fields: ['spec.default.appendMatch[0].value', 'spec.default.appendMatch[1].value'] },
  ],
});
