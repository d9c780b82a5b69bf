import type { InvalidParameter } from '../../core/errors.ts';

/** An error meshctl prints and exits non-zero on: the server's detail, code and field reasons. */
export class CliError extends Error {
  readonly code: string | undefined;
  readonly invalidParameters: InvalidParameter[];
  readonly status: number | undefined;

  constructor(message: string, options: { code?: string; invalidParameters?: InvalidParameter[]; status?: number } = {}) {
    super(message);
    this.name = 'CliError';
    this.code = options.code;
    this.invalidParameters = options.invalidParameters ?? [];
    this.status = options.status;
  }

  format(): string {
    const lines = [`Error: ${this.message}${this.code ? ` (${this.code})` : ''}`];
    for (const p of this.invalidParameters) lines.push(`  * ${p.field || '(resource)'}: ${p.reason}`);
    return lines.join('\n');
  }
}
