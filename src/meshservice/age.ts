// Kuma's order for "the first one wins" decisions of the MeshService loop (generation, VIPs,
// hostname collisions): the oldest first, then by name.

export const olderFirst =
  <T extends { creationTime: string }>(name: (t: T) => string) =>
  (a: T, b: T): number =>
    a.creationTime !== b.creationTime ? (a.creationTime < b.creationTime ? -1 : 1) : name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0;
