#!/bin/sh
# One-shot setup next to a zone CP (in its network namespace, so loopback is admin): the
# zone-ingress token, signed by the zone, for the zone's ingress. $1 is the zone name.
set -eu
API=${API:-http://127.0.0.1:5681}
SHARED=${SHARED:-/shared}
meshctl() { node src/cli/meshctl.ts "$@"; }
meshctl config control-planes add --name "$1" --address "$API" --overwrite
meshctl generate zone-ingress-token --valid-for 8760h > "$SHARED/ingress-$1.token"
echo "$1 is set up"
