import { BlockList, isIP } from 'node:net';

/**
 * Which addresses a server-side fetch may connect to: the class of an address it refuses (for the message),
 * or undefined when the address may be reached.
 */
export type AddressPolicy = (address: string) => string | undefined;

type Family = 'ipv4' | 'ipv6';

/** Ranges that are not public unicast, by class (IANA special-purpose registries). */
const specialRanges: readonly [label: string, network: string, prefix: number, family: Family][] = [
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['shared (CGNAT)', '100.64.0.0', 10, 'ipv4'],
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['reserved', '192.0.0.0', 24, 'ipv4'],
  ['documentation', '192.0.2.0', 24, 'ipv4'],
  ['reserved', '192.88.99.0', 24, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['reserved', '198.18.0.0', 15, 'ipv4'],
  ['documentation', '198.51.100.0', 24, 'ipv4'],
  ['documentation', '203.0.113.0', 24, 'ipv4'],
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['reserved', '240.0.0.0', 4, 'ipv4'],
  ['unspecified', '::', 128, 'ipv6'],
  ['loopback', '::1', 128, 'ipv6'],
  ['private', 'fc00::', 7, 'ipv6'],
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['multicast', 'ff00::', 8, 'ipv6'],
  // Inside global unicast, but reserved, or tunnels (Teredo, 6to4) that can carry a private IPv4 address.
  ['reserved', '2001::', 23, 'ipv6'],
  ['documentation', '2001:db8::', 32, 'ipv6'],
  ['reserved', '2002::', 16, 'ipv6'],
];

/** One list per class; a BlockList matches an IPv4-mapped IPv6 address (::ffff:127.0.0.1) against IPv4 rules. */
const classes = new Map<string, BlockList>();
for (const [label, network, prefix, family] of specialRanges) {
  const list = classes.get(label) ?? new BlockList();
  list.addSubnet(network, prefix, family);
  classes.set(label, list);
}

const ipv4Mapped = new BlockList();
ipv4Mapped.addSubnet('::ffff:0:0', 96, 'ipv6');
const globalUnicast = new BlockList();
globalUnicast.addSubnet('2000::', 3, 'ipv6');

/** The default: public unicast addresses only; anything else is named by its class. */
export const publicUnicastOnly: AddressPolicy = (address) => {
  const version = isIP(address);
  if (version === 0) return 'unparseable';
  const family: Family = version === 4 ? 'ipv4' : 'ipv6';
  const mapped = family === 'ipv6' && ipv4Mapped.check(address, 'ipv6');
  for (const [label, list] of classes) {
    if (list.check(address, family)) return mapped ? `IPv4-mapped ${label}` : label;
  }
  // IPv6 outside 2000::/3 is not public unicast (NAT64, discard, deprecated forms), unless it maps a public IPv4.
  if (family === 'ipv6' && !mapped && !globalUnicast.check(address, 'ipv6')) {
    return 'reserved';
  }
  return undefined;
};

/** `ALLOW_PRIVATE_URLS=true`: every address, for tests and trusted networks. */
export const anyAddress: AddressPolicy = () => undefined;
