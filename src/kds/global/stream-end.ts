import type * as grpc from '@grpc/grpc-js';

/** Runs `close` once the stream ends for any reason; a half-close from the zone is answered. */
export function onStreamEnd(call: grpc.ServerDuplexStream<unknown, unknown>, close: () => void): void {
  call.on('end', () => {
    close();
    call.end();
  });
  for (const event of ['error', 'cancelled', 'close']) call.on(event, close);
}
