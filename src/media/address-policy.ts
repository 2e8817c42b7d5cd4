import { BlockList, isIP } from 'node:net';

/** IP family as `net.BlockList` names it. */
type Family = 'ipv4' | 'ipv6';

// Every range a server-side fetch must never reach: the host itself, the networks behind it, and addresses that
// mean "anywhere" or "everyone". Documentation and benchmark ranges are in too: nothing legitimate lives there.
const BLOCKED_RANGES: readonly (readonly [cidr: string, family: Family, label: string])[] = [
  ['0.0.0.0/8', 'ipv4', 'unspecified'],
  ['10.0.0.0/8', 'ipv4', 'private'],
  ['100.64.0.0/10', 'ipv4', 'carrier-grade NAT'],
  ['127.0.0.0/8', 'ipv4', 'loopback'],
  ['169.254.0.0/16', 'ipv4', 'link-local'],
  ['172.16.0.0/12', 'ipv4', 'private'],
  ['192.0.0.0/24', 'ipv4', 'reserved'],
  ['192.0.2.0/24', 'ipv4', 'documentation'],
  ['192.168.0.0/16', 'ipv4', 'private'],
  ['198.18.0.0/15', 'ipv4', 'reserved'],
  ['198.51.100.0/24', 'ipv4', 'documentation'],
  ['203.0.113.0/24', 'ipv4', 'documentation'],
  ['224.0.0.0/4', 'ipv4', 'multicast'],
  ['240.0.0.0/4', 'ipv4', 'reserved'],
  ['::/128', 'ipv6', 'unspecified'],
  ['::1/128', 'ipv6', 'loopback'],
  ['100::/64', 'ipv6', 'reserved'],
  ['2001:db8::/32', 'ipv6', 'documentation'],
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

// `::ffff:10.0.0.1` reaches 10.0.0.1; the dotted and the hex spelling both occur.
const MAPPED_DOTTED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;
const MAPPED_HEX = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i;

/** The IPv4 address an IPv4-mapped IPv6 address stands for, or the address itself. */
function unmap(address: string): { address: string; family: Family } {
  if (isIP(address) === 4) return { address, family: 'ipv4' };
  const dotted = MAPPED_DOTTED.exec(address);
  if (dotted) return { address: dotted[1], family: 'ipv4' };
  const hex = MAPPED_HEX.exec(address);
  if (hex) {
    const high = parseInt(hex[1], 16);
    const low = parseInt(hex[2], 16);
    return { address: [high >> 8, high & 255, low >> 8, low & 255].join('.'), family: 'ipv4' };
  }
  return { address, family: 'ipv6' };
}

/**
 * Why `address` must not be fetched from (`loopback`, `private`, `link-local`, ...), or undefined when it is a
 * public address. IPv4-mapped IPv6 addresses are judged as the IPv4 address they reach.
 */
export function blockedAddressKind(address: string): string | undefined {
  const target = unmap(address);
  for (const range of BLOCKED) {
    if (range.family === target.family && range.list.check(target.address, target.family)) return range.label;
  }
  return undefined;
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
      const target = unmap(address);
      return (
        addresses.check(target.address, target.family) ||
        (target.address !== address && addresses.check(address, 'ipv6'))
      );
    },
  };
}
