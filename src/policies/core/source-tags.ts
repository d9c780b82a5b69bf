import { SERVICE_TAG } from '../../resources/types/dataplane.ts';
import type { TargetRef } from './target-ref.ts';

// Who is calling, as Kuma tells it to the callee: outbound HTTP requests carry the caller's
// tags in `x-kuma-tags` (`&key=value&…&`, keys sorted, the values of several inbounds joined
// with commas); inbound policies with a `from` of kind MeshService, MeshSubset or
// MeshServiceSubset match that header. A hint for routing and faults, not an identity: the
// identity is the mTLS certificate (MeshTrafficPermission).

export { TAGS_HEADER, tagsHeaderValue } from '../../xds/model/source-tags.ts';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The tags a `from` selector requires of the caller (undefined for Mesh: everyone). */
export function selectorTags(ref: TargetRef): Record<string, string> | undefined {
  switch (ref.kind) {
    case 'MeshService':
      return { [SERVICE_TAG]: ref.name ?? '' };
    case 'MeshServiceSubset':
      return { ...ref.tags, [SERVICE_TAG]: ref.name ?? '' };
    case 'MeshSubset':
      return { ...ref.tags };
    default:
      return undefined;
  }
}

/** An RE2 regex matching a tags header that holds every one of `tags` (a value may be one of several). */
export function tagsHeaderRegex(tags: Record<string, string>): string {
  const parts = Object.keys(tags)
    .sort()
    .map((k) => `${escape(k)}=(?:[^&]*,)?${escape(tags[k]!)}(?:,[^&]*)?&`);
  return `.*&${parts.join('(?:[^&]*&)*')}.*`;
}
