// How the config a zone CP generates and meshwork-dp's access log streamer meet (the tcp
// backend of MeshAccessLog): meshwork-dp announces its FIFO in the node metadata; Envoy
// writes lines there tagged with their backend's address.

/** Node metadata key: the FIFO meshwork-dp reads access log lines from. */
export const ACCESS_LOG_PATH_METADATA = 'meshwork.io/access-log-path';

/** The key of a JSON access log line that carries its TCP backend's address (removed before sending). */
export const ACCESS_LOG_ADDRESS_KEY = 'meshwork.io/access-log-address';
