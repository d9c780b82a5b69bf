/** PUTs `count` dataplanes of mesh default (named by their documents) to a CP's API, 50 at a time; every PUT must succeed. */
export async function putDataplanes(apiUrl: string, count: number, doc: (i: number) => { name: string }): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, async (_, k) => {
        const d = doc(i + k);
        const res = await fetch(`${apiUrl}/meshes/default/dataplanes/${d.name}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(d) });
        if (!res.ok) throw new Error(`PUT ${d.name}: ${res.status} ${await res.text()}`);
      }),
    );
  }
}
