// Names and labels of resources synced by KDS, compatible with Kuma: a synced resource gets
// a stable hash suffix, so it has the same name in every zone and at global, and keeps its
// original name in the `kuma.io/display-name` label.

export { DISPLAY_NAME_LABEL, ORIGIN_LABEL, ZONE_LABEL } from '../resources/labels.ts';

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;

/** FNV-1a 64-bit over the UTF-8 bytes of the strings, concatenated. */
export function fnv64a(...parts: string[]): bigint {
  let h = FNV64_OFFSET;
  for (const part of parts) {
    for (const byte of Buffer.from(part, 'utf8')) {
      h ^= BigInt(byte);
      h = (h * FNV64_PRIME) & MASK64;
    }
  }
  return h;
}

/** Kubernetes' SafeEncodeString alphabet: no vowels, no confusable digits. */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

const NAME_LIMIT = 253;
const SUFFIX_LENGTH = 1 + 16;

/**
 * `<name>-<16-char hash>`, the hash over mesh, name and any extra values (the zone for
 * zone→global sync). The name is shortened so the result fits 253 characters.
 */
export function hashedName(mesh: string, name: string, ...extra: string[]): string {
  const hex = fnv64a(mesh, name, ...extra).toString(16).padStart(16, '0');
  return `${name.slice(0, NAME_LIMIT - SUFFIX_LENGTH)}-${safeEncode(hex)}`;
}
