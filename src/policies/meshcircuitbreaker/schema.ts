import { z } from 'zod';
import { duration, percentage, uint32 } from '../../resources/common.ts';
import { sectionedSpec } from '../core/define-policy.ts';

const consecutive = z.strictObject({ consecutive: uint32.optional() });

export const meshCircuitBreakerConf = z.strictObject({
  connectionLimits: z
    .strictObject({
      maxConnections: uint32.min(1, 'must be greater than zero').optional(),
      maxConnectionPools: uint32.min(1, 'must be greater than zero').optional(),
      maxPendingRequests: uint32.min(1, 'must be greater than zero').optional(),
      maxRequests: uint32.min(1, 'must be greater than zero').optional(),
      maxRetries: uint32.min(1, 'must be greater than zero').optional(),
    })
    .optional(),
  outlierDetection: z
    .strictObject({
      disabled: z.boolean().optional(),
      interval: duration().optional(),
      baseEjectionTime: duration().optional(),
      maxEjectionPercent: z.number().int().min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100').optional(),
      splitExternalAndLocalErrors: z.boolean().optional(),
      healthyPanicThreshold: percentage.optional(),
      detectors: z
        .strictObject({
          totalFailures: consecutive.optional(),
          gatewayFailures: consecutive.optional(),
          localOriginFailures: consecutive.optional(),
          successRate: z
            .strictObject({
              minimumHosts: uint32.optional(),
              requestVolume: uint32.optional(),
              standardDeviationFactor: z.union([z.number(), z.string()]).optional(),
            })
            .optional(),
          failurePercentage: z
            .strictObject({
              minimumHosts: uint32.optional(),
              requestVolume: uint32.optional(),
              threshold: z.number().int().min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100').optional(),
            })
            .optional(),
        })
        .optional(),
    })
    .optional(),
});

export const meshCircuitBreakerSpec = sectionedSpec(meshCircuitBreakerConf, {
  targetRef: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane'],
  to: ['Mesh', 'MeshService', 'MeshExternalService', 'MeshMultiZoneService'],
  from: ['Mesh'],
  rules: true,
  requireSection: true,
});
