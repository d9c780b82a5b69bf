import { z } from 'zod';
import { headerValues, percentage, positiveDuration, uint32 } from '../../resources/common.ts';
import { sectionedSpec } from '../core/define-policy.ts';

// Kuma's rules (meshhealthcheck/api/v1alpha1/validator.go): one of http, tcp or grpc; the event
// log a file path (absolute, or a Windows path, as govalidator.IsFilePath).
const filePath = z.string().refine((p) => /^(\/[A-Za-z0-9._:\-]+)+\/?$/.test(p) || /^[a-zA-Z]:\\(?:[^\\/:*?"<>|\r\n]+\\?)*$/.test(p), 'must be a valid path when defined');

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
  eventLogPath: filePath.optional(),
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
      path: z.string().min(1, 'must be defined').startsWith('/', 'must start with "/"').optional(),
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
}).refine((c) => c.http !== undefined || c.tcp !== undefined || c.grpc !== undefined, 'must have at least one defined: http, tcp, grpc');

export const meshHealthCheckSpec = sectionedSpec(meshHealthCheckConf, {
  targetRef: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane'],
  to: ['Mesh', 'MeshService', 'MeshExternalService', 'MeshMultiZoneService'],
});
