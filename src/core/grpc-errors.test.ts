import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, MeshworkError, type ErrorCode } from './errors.ts';
import { grpcError, grpcErrorOf, toGrpcError } from './grpc-errors.ts';

describe('the gRPC error mapper', () => {
  it('maps every code of the error table to its gRPC status, keeps gRPC errors, and makes anything else INTERNAL', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const err = toGrpcError(new MeshworkError(code, `a ${code}`));
      expect(err.code, code).toBe(ERROR_CODES[code].grpc);
      expect(err.details).toBe(`a ${code}`);
      expect(err.metadata).toBeInstanceOf(grpc.Metadata);
    }
    expect(grpcErrorOf('FORBIDDEN', 'no').code).toBe(grpc.status.PERMISSION_DENIED);
    const passed = grpcError(grpc.status.UNAVAILABLE, 'down');
    expect(toGrpcError(passed)).toBe(passed);
    expect(toGrpcError(new Error('boom'))).toMatchObject({ code: grpc.status.INTERNAL, details: 'internal error: boom' });
    expect(toGrpcError(Object.assign(new Error('odd'), { code: 'ENOENT' })).code).toBe(grpc.status.INTERNAL);
  });

  it('is the only way src/ makes gRPC errors (no ad-hoc Object.assign(new Error(…), {code}))', () => {
    const root = new URL('..', import.meta.url).pathname;
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, e.name);
        if (e.isDirectory()) walk(path);
        else if (path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.endsWith('grpc-errors.ts')) {
          readFileSync(path, 'utf8')
            .split('\n')
            .forEach((line, i) => {
              if (/Object\.assign\(new Error\(.*\{[^}]*\bcode\b/.test(line)) offenders.push(`${path.slice(root.length)}:${i + 1}`);
            });
        }
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});
