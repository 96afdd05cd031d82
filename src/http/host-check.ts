import { isLoopbackHost } from '../config.js';

/** The name in a Host header, without its port; an IPv6 literal keeps its brackets. */
function hostName(header: string): string {
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1);
  const colon = header.indexOf(':');
  return colon === -1 ? header : header.slice(0, colon);
}

/**
 * The DNS rebinding guard, for HTTP requests and WebSocket upgrades alike. Bound to loopback, the gateway is
 * reached by a browser only through a page whose name resolves to loopback: a Host header that is not a
 * loopback name or address means a page of someone else's rebound its name to us. Bound elsewhere, names
 * are the network's business and any Host passes; so does a request without one (no browser sends that).
 */
export function hostPolicy(bindHost: string): (host: string | undefined) => boolean {
  if (!isLoopbackHost(bindHost)) return () => true;
  return (host) => host === undefined || isLoopbackHost(hostName(host));
}
