import { z } from 'zod';
import { percentage, positiveDuration, uint32 } from '../../resources/common.ts';
import { sectionedSpec } from '../core/define-policy.ts';

// Kuma's rules (meshcircuitbreaker/api/v1alpha1/validator.go): counts and intervals greater than
// zero, a default that configures something, and outlier detection with at least one detector.
const GT0 = 'must be greater than zero';
const positive = uint32.min(1, GT0);
const consecutive = z.strictObject({ consecutive: positive.optional() });
const DETECTORS = ['totalFailures', 'gatewayFailures', 'localOriginFailures', 'successRate', 'failurePercentage'] as const;
const decimal = z.union([z.number(), z.string()]).superRefine((v, ctx) => {
  const n = typeof v === 'number' ? v : /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : Number.NaN;
  if (!Number.isFinite(n)) ctx.addIssue({ code: 'custom', message: 'invalid number' });
  else if (n <= 0) ctx.addIssue({ code: 'custom', message: 'has to be greater than 0' });
});

export const meshCircuitBreakerConf = z
  .strictObject({
  connectionLimits: z
    .strictObject({
      maxConnections: positive.optional(),
      maxConnectionPools: positive.optional(),
      maxPendingRequests: positive.optional(),
      maxRequests: positive.optional(),
      maxRetries: positive.optional(),
    })
    .optional(),
  outlierDetection: z
    .strictObject({
      disabled: z.boolean().optional(),
      interval: positiveDuration().optional(),
      baseEjectionTime: positiveDuration().optional(),
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
              minimumHosts: positive.optional(),
              requestVolume: positive.optional(),
              standardDeviationFactor: decimal.optional(),
            })
            .optional(),
          failurePercentage: z
            .strictObject({
              minimumHosts: positive.optional(),
              requestVolume: positive.optional(),
              threshold: z.number().int().min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100').optional(),
            })
            .optional(),
        })
        .refine((d) => DETECTORS.some((k) => d[k] !== undefined), `must have at least one defined: ${DETECTORS.join(', ')}`)
        .optional(),
    })
    .superRefine((o, ctx) => {
      if (o.detectors === undefined) ctx.addIssue({ code: 'custom', path: ['detectors'], message: 'must be defined' });
    })
    .optional(),
  })
  .refine((c) => c.connectionLimits !== undefined || c.outlierDetection !== undefined, "at least one of: 'connectionLimits' or 'outlierDetection' should be configured");

export const meshCircuitBreakerSpec = sectionedSpec(meshCircuitBreakerConf, {
  targetRef: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane'],
  to: ['Mesh', 'MeshService', 'MeshExternalService', 'MeshMultiZoneService'],
  from: ['Mesh'],
  rules: true,
  requireSection: true,
});
