#!/bin/sh
# One-shot setup next to global (in its network namespace, so loopback is admin): the
# default mesh with builtin mTLS and a policy, the zones' KDS CA and tokens, and the
# dataplane tokens of the demo's sidecars, written to $SHARED for the containers that need
# them. Run from the repository root (the image's /app).
set -eu
API=${API:-http://127.0.0.1:5681}
DEMO=${DEMO:-/demo}
SHARED=${SHARED:-/shared}
meshctl() { node src/cli/meshctl.ts "$@"; }
meshctl config control-planes add --name global --address "$API" --overwrite
meshctl apply -f "$DEMO/mesh.yaml"
meshctl get global-secret kds-server-tls -o json \
  | node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>process.stdout.write(JSON.parse(Buffer.from(JSON.parse(s).data,"base64").toString()).cert))' \
  > "$SHARED/kds-ca.pem"
for zone in zone-1 zone-2; do
  meshctl generate zone-token --zone "$zone" --valid-for 8760h > "$SHARED/$zone.token"
done
for dp in backend-zone-1 backend-zone-2 web; do
  meshctl generate dataplane-token --mesh default --name "$dp" --valid-for 8760h > "$SHARED/$dp.token"
done
echo "global is set up"
