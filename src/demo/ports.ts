// The quickstart's fixed ports (what the README shows), and the ports no demo may use: the
// WHATWG fetch spec's "bad ports", which browsers and Node's fetch refuse to connect to
// (fetch failed with "bad port" on web's outbound when it was 10080, while curl worked).

/** https://fetch.spec.whatwg.org/#port-blocking */
export const FETCH_BLOCKED_PORTS: ReadonlySet<number> = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427,
  465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666,
  6667, 6668, 6669, 6679, 6697, 10080,
]);

export const DEMO_PORTS = {
  global: { api: 5681, diagnostics: 5680, kds: 5685 },
  /** zone-N: api N5681, diagnostics N5680, DP server N5678; its ingress N0001. */
  zone: (n: number) => ({ api: n * 10_000 + 5681, diagnostics: n * 10_000 + 5680, dp: n * 10_000 + 5678, ingress: n * 10_000 + 1 }),
  /** web's outbound to backend (zone-1). */
  webOutbound: 18081,
} as const;
