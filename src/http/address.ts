import type { AddressInfo } from 'node:net';

/** The host part of a URL for a listening address; an IPv6 literal needs brackets there. */
export function urlHost(address: AddressInfo): string {
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}
