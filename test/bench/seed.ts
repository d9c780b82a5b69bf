/** PUTs dataplanes `dp-0` … `dp-(count-1)` of mesh default to a CP's API, 50 at a time; every PUT must succeed. */
export async function putDataplanes(apiUrl: string, count: number, doc: (i: number) => object): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, async (_, k) => {
        const res = await fetch(`${apiUrl}/meshes/default/dataplanes/dp-${i + k}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc(i + k)) });
        if (!res.ok) throw new Error(`PUT dp-${i + k}: ${res.status} ${await res.text()}`);
      }),
    );
  }
}
