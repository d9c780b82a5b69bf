import { z } from 'zod';
import { headerValues, percentage, positiveDuration, uint32 } from '../../resources/common.ts';
import { sectionedSpec } from '../core/define-policy.ts';

export const meshHealthCheckConf = z.strictObject({
  interval: positiveDuration().optional(),
  timeout: positiveDuration().optional(),
  unhealthyThreshold: uint32.min(1, 'must be greater than zero').optional(),
  healthyThreshold: uint32.min(1, 'must be greater than zero').optional(),
  initialJitter: positiveDuration().optional(),
  intervalJitter: positiveDuration().optional(),
  intervalJitterPercent: z.number().int().min(0).max(100, 'must be between 0 and 100').optional(),
  healthyPanicThreshold: percentage.optional(),
  failTrafficOnPanic: z.boolean().optional(),
  eventLogPath: z.string().optional(),
  alwaysLogHealthCheckFailures: z.boolean().optional(),
  noTrafficInterval: positiveDuration().optional(),
  reuseConnection: z.boolean().optional(),
  tcp: z
    .strictObject({
      disabled: z.boolean().optional(),
      send: z.string().optional(),
      receive: z.array(z.string()).optional(),
    })
    .optional(),
  http: z
    .strictObject({
      disabled: z.boolean().optional(),
      path: z.string().startsWith('/', 'must start with "/"').optional(),
      requestHeadersToAdd: z.strictObject({ add: headerValues.optional(), set: headerValues.optional() }).optional(),
      expectedStatuses: z.array(z.number().int().min(100, 'must be between 100 and 599').max(599, 'must be between 100 and 599')).optional(),
    })
    .optional(),
  grpc: z
    .strictObject({
      disabled: z.boolean().optional(),
      serviceName: z.string().optional(),
      authority: z.string().optional(),
    })
    .optional(),
});

export const meshHealthCheckSpec = sectionedSpec(meshHealthCheckConf, {
  targetRef: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane'],
  to: ['Mesh', 'MeshService', 'MeshExternalService', 'MeshMultiZoneService'],
});
