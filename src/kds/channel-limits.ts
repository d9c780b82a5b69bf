// gRPC message limits of KDS channels. Senders cut responses into chunks of at most
// maxMessageBytes (what the setting bounds), but a subscription request carries the name and
// version of every resource the subscriber already holds (delta xDS's initial versions, one
// request per type): a zone holding 20,000 secrets sends ~400 KB to resubscribe. Capping that
// at the chunk size made every reconnect of such a zone fail, forever. Channels accept
// messages up to 64 MiB (about a million held resources), or more with a larger setting.

const SUBSCRIPTION_ALLOWANCE = 64 * 1024 * 1024;

export function kdsChannelLimit(maxMessageBytes: number): number {
  return Math.max(maxMessageBytes + 64 * 1024, SUBSCRIPTION_ALLOWANCE);
}
