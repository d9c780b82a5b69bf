import { MeshworkError } from '../core/errors.ts';
import { olderFirst } from './age.ts';

// Kuma's VIP allocation: each MeshService (and, later, MeshExternalService and
// MeshMultiZoneService) gets one address from its CIDR (241.0.0.0/8, 242/8, 243/8 by default),
// kept in its status and so stable across restarts. The allocator hands addresses out in
// order from the network address, as Kuma's does, skipping any in use, and does not hand a
// freed one out again while it runs (a deleted service's VIP may still sit in DNS caches).
// Two services found on one VIP (restored state) keep it for the older; the other gets a new one.

export interface Cidr {
  readonly first: number;
  readonly size: number;
  readonly text: string;
}

export function parseCidr(text: string): Cidr {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const bits = m ? Number(m[5]) : -1;
  if (!m || octets.some((o) => o > 255) || bits < 8 || bits > 30) throw new MeshworkError('BAD_REQUEST', `"${text}" is not an IPv4 CIDR between /8 and /30`);
  const address = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - bits);
  return { first: address - (address % size), size, text };
}

export const ipOf = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
export function numberOf(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m || m.slice(1).some((o) => Number(o) > 255)) return undefined;
  return m.slice(1).reduce((a, o) => a * 256 + Number(o), 0);
}

export interface VipHolder {
  readonly key: string;
  readonly creationTime: string;
  readonly vips: readonly string[];
}

export class VipAllocator {
  readonly #cidr: Cidr;
  /** The next offset to try: moves forward only, so freed addresses come back last. */
  #next = 0;

  constructor(cidr: Cidr) {
    this.#cidr = cidr;
  }

  /**
   * The VIP each holder must get (only those that need one, or a new one): a holder without a
   * VIP in the CIDR, or the younger of two holding one VIP.
   */
  plan(holders: readonly VipHolder[]): Map<string, string> {
    const used = new Map<number, VipHolder>();
    const needs: VipHolder[] = [];
    const ordered = [...holders].sort(olderFirst((h) => h.key));
    for (const h of ordered) {
      const n = h.vips.map(numberOf).find((v) => v !== undefined && v >= this.#cidr.first && v < this.#cidr.first + this.#cidr.size);
      if (n === undefined || used.has(n)) needs.push(h);
      else used.set(n, h);
    }
    const out = new Map<string, string>();
    for (const h of needs) {
      // A full range leaves the rest without a VIP (and says so); what has one keeps it.
      if (used.size >= this.#cidr.size) {
        this.unallocated = needs.length - out.size;
        return out;
      }
      while (used.has(this.#cidr.first + this.#next)) this.#next = (this.#next + 1) % this.#cidr.size;
      const n = this.#cidr.first + this.#next;
      used.set(n, h);
      out.set(h.key, ipOf(n));
      this.#next = (this.#next + 1) % this.#cidr.size;
    }
    this.unallocated = 0;
    return out;
  }

  /** How many holders the last plan could not give a VIP (the CIDR is full). */
  unallocated = 0;

  get cidr(): string {
    return this.#cidr.text;
  }
}
