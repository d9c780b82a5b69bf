import { z } from 'zod';
import { duration, httpStatus, percentage } from '../../resources/common.ts';
import { sectionedSpec } from '../core/define-policy.ts';

export const meshFaultInjectionConf = z.strictObject({
  http: z
    .array(
      z.strictObject({
        abort: z.strictObject({ httpStatus, percentage }).optional(),
        delay: z.strictObject({ value: duration(), percentage }).optional(),
        responseBandwidth: z
          .strictObject({
            limit: z.string().regex(/^\d+(kbps|Mbps|Gbps)$/, 'must be a bandwidth like 10kbps, 5Mbps or 1Gbps'),
            percentage,
          })
          .optional(),
      }),
    )
    .optional(),
});

export const meshFaultInjectionSpec = sectionedSpec(meshFaultInjectionConf, {
  targetRef: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane'],
  to: ['Mesh', 'MeshService', 'MeshExternalService', 'MeshMultiZoneService'],
  from: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset'],
  rules: true,
  excludedByRules: ['from'],
});
