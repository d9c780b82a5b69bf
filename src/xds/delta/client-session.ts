import type { Logger } from '../../core/logger.ts';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse, DeltaResource, Node } from './messages.ts';

// The receiving side of one delta-xDS stream (global→zone KDS in the zone, zone→global KDS
// at global). It subscribes to every type with the versions it already holds, applies each
// response in order, and answers with an ACK, or a NACK naming the resources it rejected:
// valid resources of a partly invalid response are still applied. A failure that is not
// about a resource (the store is down) is thrown to the stream owner, which should close
// the stream: the reconnect resyncs from what was really stored.

export interface ApplyResult {
  /** Resources refused as invalid; the rest of the response was applied. */
  rejected: { name: string; reason: string }[];
}

export interface ClientSessionOptions {
  send(request: DeltaDiscoveryRequest): void;
  types: readonly string[];
  node?: Node;
  initialVersions(typeUrl: string): Promise<Record<string, string>>;
  apply(typeUrl: string, resources: DeltaResource[], removed: string[]): Promise<ApplyResult>;
  logger: Logger;
  /** Called with ACK/NACK outcomes, for insights and metrics. */
  onResult?(typeUrl: string, ok: boolean, rejected: ApplyResult['rejected']): void;
}

export class DeltaClientSession {
  readonly #opts: ClientSessionOptions;
  #queue: Promise<void> = Promise.resolve();
  #failed: ((err: unknown) => void) | undefined;

  constructor(options: ClientSessionOptions) {
    this.#opts = options;
  }

  /** Subscribes to every type. `onFatal` receives failures that should end the stream. */
  async start(onFatal: (err: unknown) => void): Promise<void> {
    this.#failed = onFatal;
    let first = true;
    for (const type of this.#opts.types) {
      const req: DeltaDiscoveryRequest = {
        type_url: type,
        resource_names_subscribe: ['*'],
        initial_resource_versions: await this.#opts.initialVersions(type),
      };
      if (first && this.#opts.node) req.node = this.#opts.node;
      first = false;
      this.#opts.send(req);
    }
  }

  /** Queues a response; responses are applied strictly in arrival order. */
  handleResponse(res: DeltaDiscoveryResponse): void {
    this.#queue = this.#queue.then(async () => {
      try {
        const { rejected } = await this.#opts.apply(res.type_url, res.resources ?? [], res.removed_resources ?? []);
        const ack: DeltaDiscoveryRequest = { type_url: res.type_url, response_nonce: res.nonce };
        if (rejected.length > 0) {
          const message = rejected.map((r) => `${r.name}: ${r.reason}`).join('; ');
          ack.error_detail = { code: 3, message: `rejected ${rejected.length} of ${res.resources.length} resources: ${message}` };
          this.#opts.logger.warn({ typeUrl: res.type_url, rejected }, 'rejected resources (NACK)');
        }
        this.#opts.send(ack);
        this.#opts.onResult?.(res.type_url, rejected.length === 0, rejected);
      } catch (err) {
        this.#failed?.(err);
      }
    });
  }

  /** Resolves when every response received so far has been applied and answered. */
  idle(): Promise<void> {
    return this.#queue;
  }
}
