import { z } from 'zod';
import { duration, positiveDuration } from '../../resources/common.ts';
import { sectionedSpec } from '../core/define-policy.ts';

export const meshTimeoutConf = z
  .strictObject({
    connectionTimeout: positiveDuration().optional(),
    idleTimeout: duration().optional(),
    http: z
      .strictObject({
        requestTimeout: duration().optional(),
        streamIdleTimeout: duration().optional(),
        maxStreamDuration: duration().optional(),
        maxConnectionDuration: duration().optional(),
        requestHeadersTimeout: duration().optional(),
      })
      .superRefine((http, ctx) => {
        // As Kuma: requestHeadersTimeout alone does not count.
        if (http.requestTimeout === undefined && http.streamIdleTimeout === undefined && http.maxStreamDuration === undefined && http.maxConnectionDuration === undefined) {
          ctx.addIssue({ code: 'custom', message: 'at least one timeout in this section should be configured' });
        }
      })
      .optional(),
  })
  .superRefine((conf, ctx) => {
    if (conf.connectionTimeout === undefined && conf.idleTimeout === undefined && conf.http === undefined) ctx.addIssue({ code: 'custom', message: 'at least one timeout should be configured' });
  });

export type MeshTimeoutConf = z.infer<typeof meshTimeoutConf>;

export const meshTimeoutSpec = sectionedSpec(meshTimeoutConf, {
  targetRef: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane', 'MeshHTTPRoute'],
  to: ['Mesh', 'MeshService', 'MeshExternalService', 'MeshMultiZoneService', 'MeshHTTPRoute'],
  from: ['Mesh'],
  rules: true,
  requireSection: true,
  // The fields Kuma lets a policy whose top-level targetRef is a MeshHTTPRoute set (requestHeadersTimeout
  // is accepted as by Kuma; Envoy has it per listener, so it changes nothing on a route).
  routeFields: ['http.requestTimeout', 'http.streamIdleTimeout', 'http.requestHeadersTimeout'],
});
