import { BlockList, isIP } from 'node:net';

/** IP family as `net.BlockList` names it. */
type Family = 'ipv4' | 'ipv6';

// Every range a server-side fetch must never reach: the host itself, the networks behind it, addresses that mean
// "anywhere" or "everyone", and the rest of IANA's special-purpose registries (RFC 6890 and its updates), where
// nothing that serves images lives: documentation, benchmarking, anycast relays, AS112 sinks, protocol
// assignments. The first range that matches names the refusal, so specific ranges come before the blocks that
// hold them. IPv6 forms that carry an IPv4 address (mapped, translated, NAT64, 6to4) are judged as that address
// instead (see embeddedIpv4), so they have no rows here.
const BLOCKED_RANGES: readonly (readonly [cidr: string, family: Family, label: string])[] = [
  ['0.0.0.0/8', 'ipv4', 'unspecified'],
  ['10.0.0.0/8', 'ipv4', 'private'],
  ['100.64.0.0/10', 'ipv4', 'carrier-grade NAT'],
  ['127.0.0.0/8', 'ipv4', 'loopback'],
  ['169.254.0.0/16', 'ipv4', 'link-local'],
  ['172.16.0.0/12', 'ipv4', 'private'],
  ['192.0.0.0/24', 'ipv4', 'reserved'],
  ['192.0.2.0/24', 'ipv4', 'documentation'],
  ['192.31.196.0/24', 'ipv4', 'AS112'],
  ['192.52.193.0/24', 'ipv4', 'AMT relay anycast'],
  ['192.88.99.0/24', 'ipv4', '6to4 relay anycast'],
  ['192.168.0.0/16', 'ipv4', 'private'],
  ['192.175.48.0/24', 'ipv4', 'AS112'],
  ['198.18.0.0/15', 'ipv4', 'benchmarking'],
  ['198.51.100.0/24', 'ipv4', 'documentation'],
  ['203.0.113.0/24', 'ipv4', 'documentation'],
  ['224.0.0.0/4', 'ipv4', 'multicast'],
  ['240.0.0.0/4', 'ipv4', 'reserved'],
  ['::/128', 'ipv6', 'unspecified'],
  ['::1/128', 'ipv6', 'loopback'],
  ['100::/64', 'ipv6', 'discard'],
  ['100:0:0:1::/64', 'ipv6', 'reserved'],
  ['2001::/32', 'ipv6', 'Teredo'],
  ['2001:2::/48', 'ipv6', 'benchmarking'],
  ['2001::/23', 'ipv6', 'IETF protocol assignment'],
  ['2001:db8::/32', 'ipv6', 'documentation'],
  ['2620:4f:8000::/48', 'ipv6', 'AS112'],
  ['3fff::/20', 'ipv6', 'documentation'],
  ['5f00::/16', 'ipv6', 'segment routing'],
  ['fc00::/7', 'ipv6', 'unique-local'],
  ['fe80::/10', 'ipv6', 'link-local'],
  ['fec0::/10', 'ipv6', 'site-local'],
  ['ff00::/8', 'ipv6', 'multicast'],
];

// One list per range so a refusal can say which kind of address it was.
const BLOCKED = BLOCKED_RANGES.map(([cidr, family, label]) => {
  const list = new BlockList();
  const [network, prefix] = cidr.split('/');
  list.addSubnet(network, Number(prefix), family);
  return { list, family, label };
});

/** The 16 bytes of an IPv6 address in any spelling (`::`, a dotted IPv4 tail); null when it is not one. */
function ipv6Bytes(address: string): number[] | null {
  if (isIP(address) !== 6) return null;
  let text = address.replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = tail === null ? [] : groups(tail);
  const words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return words.flatMap((word) => [word >> 8, word & 255]);
}

const bytesMatch = (bytes: readonly number[], prefix: readonly number[]) =>
  prefix.every((b, i) => bytes[i] === b);

/**
 * The IPv4 address an IPv6 address carries and reaches: IPv4-mapped (`::ffff:10.0.0.1`), IPv4-translated
 * (`::ffff:0:10.0.0.1`), IPv4-compatible
 * (`::10.0.0.1`), NAT64 (`64:ff9b::10.0.0.1`, RFC 6052, and the local-use `64:ff9b:1::/48`) and 6to4
 * (`2002:0a00:0001::`, RFC 3056), so none of them is a way around the IPv4 ranges.
 */
function embeddedIpv4(address: string): { address: string; via: string } | null {
  const bytes = ipv6Bytes(address);
  if (!bytes) return null;
  const v4 = (at: number) => bytes.slice(at, at + 4).join('.');
  if (bytesMatch(bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff])) return { address: v4(12), via: '' };
  // IPv4-translated (`::ffff:0:10.0.0.1`, RFC 2765's SIIT form), which translators also deliver to the IPv4 host.
  if (bytesMatch(bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0]))
    return { address: v4(12), via: ' (IPv4-translated)' };
  if (bytesMatch(bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) && bytes.slice(12).some((b) => b !== 0)) {
    // `::1` (the IPv6 loopback) and its neighbours `::x` stay IPv6; the rest of ::/96 is the IPv4-compatible form.
    return bytes.slice(12, 15).every((b) => b === 0) ? null : { address: v4(12), via: ' (IPv4-compatible)' };
  }
  if (bytesMatch(bytes, [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0]))
    return { address: v4(12), via: ' via NAT64' };
  if (bytesMatch(bytes, [0, 0x64, 0xff, 0x9b, 0, 1])) return { address: v4(12), via: ' via NAT64' };
  if (bytesMatch(bytes, [0x20, 0x02])) return { address: v4(2), via: ' via 6to4' };
  return null;
}

/**
 * Why `address` must not be fetched from (`loopback`, `private`, `link-local`, ...), or undefined when it is a
 * public address. IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4) are judged as the IPv4
 * address they reach, and say so (`private via NAT64`).
 */
export function blockedAddressKind(address: string): string | undefined {
  const target = reachedAddress(address);
  for (const range of BLOCKED) {
    if (range.family === target.family && range.list.check(target.address, target.family)) {
      return `${range.label}${target.via}`;
    }
  }
  return undefined;
}

/** The address a connection to `address` really reaches, with how (empty for the address itself). */
function reachedAddress(address: string): { address: string; family: Family; via: string } {
  const embedded = embeddedIpv4(address);
  if (embedded) return { ...embedded, family: 'ipv4' };
  return { address, family: isIP(address) === 4 ? 'ipv4' : 'ipv6', via: '' };
}

/** The parsed `allowPrivateHosts` setting: host names matched by name, addresses and CIDRs by address. */
export interface AllowList {
  /** Whether the URL's host name is listed by name (which then skips the address check for that hop). */
  allowsHost(hostname: string): boolean;
  /** Whether a resolved address lies in a listed address or CIDR. */
  allowsAddress(address: string): boolean;
}

/**
 * Parses `allowPrivateHosts` entries: `127.0.0.1`, `::1`, `10.0.0.0/8`, `fd00::/8` or a host name such as
 * `images.internal`. Host names are compared case-insensitively and exactly (no wildcards), so listing a name
 * never lets a look-alike name through.
 *
 * @throws TypeError for a CIDR whose network is not an IP address or whose prefix is out of range.
 */
export function parseAllowList(entries: readonly string[] = []): AllowList {
  const addresses = new BlockList();
  const hosts = new Set<string>();
  for (const raw of entries) {
    const entry = raw
      .trim()
      .toLowerCase()
      .replace(/^\[(.*)\]$/, '$1');
    const [network, prefix] = entry.split('/');
    const version = isIP(network);
    if (prefix !== undefined) {
      const bits = Number(prefix);
      if (version === 0 || !Number.isInteger(bits) || bits < 0 || bits > (version === 4 ? 32 : 128)) {
        throw new TypeError(`Expected an IP address or CIDR for allowPrivateHosts but received ${raw}`);
      }
      addresses.addSubnet(network, bits, version === 4 ? 'ipv4' : 'ipv6');
    } else if (version !== 0) {
      addresses.addAddress(network, version === 4 ? 'ipv4' : 'ipv6');
    } else if (entry !== '') {
      hosts.add(entry.replace(/\.$/, ''));
    }
  }
  return {
    allowsHost: (hostname) => hosts.has(hostname.toLowerCase().replace(/\.$/, '')),
    allowsAddress: (address) => {
      const target = reachedAddress(address);
      return (
        addresses.check(target.address, target.family) ||
        (target.address !== address && addresses.check(address, 'ipv6'))
      );
    },
  };
}
