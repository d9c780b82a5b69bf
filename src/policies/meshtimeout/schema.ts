import { z } from 'zod';
import { duration } from '../../resources/common.ts';
import { sectionedSpec } from '../core/define-policy.ts';

export const meshTimeoutConf = z.strictObject({
  connectionTimeout: duration().optional(),
  idleTimeout: duration().optional(),
  http: z
    .strictObject({
      requestTimeout: duration().optional(),
      streamIdleTimeout: duration().optional(),
      maxStreamDuration: duration().optional(),
      maxConnectionDuration: duration().optional(),
      requestHeadersTimeout: duration().optional(),
    })
    .optional(),
});

export type MeshTimeoutConf = z.infer<typeof meshTimeoutConf>;

export const meshTimeoutSpec = sectionedSpec(meshTimeoutConf, {
  targetRef: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane', 'MeshHTTPRoute'],
  to: ['Mesh', 'MeshService', 'MeshExternalService', 'MeshMultiZoneService', 'MeshHTTPRoute'],
  from: ['Mesh'],
  rules: true,
  requireSection: true,
  routeFields: ['http.requestTimeout', 'http.streamIdleTimeout', 'http.maxStreamDuration'],
});
