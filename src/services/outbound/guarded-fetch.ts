import { lookup as dnsLookup } from 'node:dns/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP, type LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import type { AddressPolicy } from './address-policy.js';

/**
 * The one way the gateway fetches a URL on a user's behalf (the URL pre-check, webhook deliveries, output
 * downloads), guarded against SSRF: only addresses the policy allows, checked after DNS, and the
 * connection made to the very address that was checked, so a second DNS answer (rebinding) never counts.
 */

/** A host name's addresses; tests inject their own in place of the system resolver. */
export type ResolveHost = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

export interface GuardedFetchOptions {
  /** Which addresses may be reached. */
  allows: AddressPolicy;
  /** @default the system resolver (`dns.lookup`, every address) */
  resolveHost?: ResolveHost;
}

export interface GuardedRequest {
  /** @default 'GET' */
  method?: 'GET' | 'POST';
  /** Sent with every hop. */
  headers?: Record<string, string>;
  /** A request with a body is never redirected: a 3xx comes back as the answer, since resending it is the caller's call. */
  body?: string;
  /** Redirects followed, each new URL checked like the first; one more is an error. */
  maxRedirects: number;
  /** Time limit of the whole exchange: DNS, every hop, and reading the body. */
  timeoutMs: number;
  /** Ends the exchange early, as the time limit does (e.g. at shutdown). */
  signal?: AbortSignal;
}

export interface GuardedResponse {
  /** The URL that answered, after redirects. */
  url: URL;
  status: number;
  headers: IncomingHttpHeaders;
  /** Still under the time limit: read it (`readAtMost`), or drop it with `destroy()`. */
  body: Readable;
}

export interface GuardedFetch {
  fetch(url: string | URL, request: GuardedRequest): Promise<GuardedResponse>;
  /** Throws the GuardedFetchError a fetch of `url` would fail with before connecting (scheme, credentials, address). */
  check(url: string | URL): Promise<void>;
  /** Closes every connection, ending fetches in flight (at shutdown). */
  close(): Promise<void>;
}

/** Why a fetch was refused or failed; `message` says it for a human. */
export type GuardedFetchFailure = 'address' | 'url' | 'redirects' | 'timeout' | 'network';

export class GuardedFetchError extends Error {
  override name = 'GuardedFetchError';
  constructor(
    readonly reason: GuardedFetchFailure,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const systemResolver: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export function createGuardedFetch(options: GuardedFetchOptions): GuardedFetch {
  const { allows } = options;
  const resolveHost = options.resolveHost ?? systemResolver;
  const agent = new Agent({ connect: { lookup: checkedLookup(resolveHost, allows) } });

  return {
    async fetch(url, { method, headers, body, maxRedirects, timeoutMs, signal: stop }) {
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = stop ? AbortSignal.any([timeout, stop]) : timeout;
      let current = toUrl(url);
      for (let redirects = 0; ; redirects++) {
        let response: Awaited<ReturnType<typeof request>>;
        try {
          checkUrl(current, allows);
          // undici's `request` follows no redirect by itself: each hop comes back here to be checked.
          response = await request(current, { dispatcher: agent, method: method ?? 'GET', headers, body, signal });
        } catch (error) {
          throw onHop(failure(error), redirects, current);
        }
        // Dropping a body unread (`destroy()`) makes undici emit an abort error, which nobody needs to hear;
        // a reader (`for await`, `pipeline`) still gets every error.
        response.body.on('error', () => {});
        const location = response.headers.location;
        if (!redirectStatuses.has(response.statusCode) || typeof location !== 'string' || body !== undefined) {
          return { url: current, status: response.statusCode, headers: response.headers, body: response.body };
        }
        response.body.destroy();
        if (redirects === maxRedirects) {
          throw new GuardedFetchError('redirects', `more than ${maxRedirects} redirects`);
        }
        current = toUrl(location, current);
      }
    },
    async check(url) {
      const target = toUrl(url);
      checkUrl(target, allows);
      const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
      if (isIP(host) !== 0) return;
      let addresses: Awaited<ReturnType<ResolveHost>>;
      try {
        addresses = await resolveHost(host);
      } catch (error) {
        throw failure(error);
      }
      if (addresses.length === 0) throw new GuardedFetchError('network', `${host} has no address`);
      for (const { address } of addresses) refuseUnless(allows, address, host);
    },
    // Shutting down ends fetches in flight: a stalled server must not hold the gateway open.
    close: () => agent.destroy(),
  };
}

/** The first `maxBytes` of a body (fewer if it is shorter); the rest is never read: the connection is dropped. */
export async function readAtMost(body: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      chunks.push(buffer);
      size += buffer.length;
      if (size >= maxBytes) break;
    }
  } catch (error) {
    throw failure(error);
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, maxBytes);
}

/** A URL, or a redirect's Location read against the URL that sent it. */
function toUrl(value: string | URL, base?: URL): URL {
  try {
    return new URL(value, base);
  } catch {
    throw new GuardedFetchError('url', base ? 'redirected to an unreadable Location' : 'not a URL');
  }
}

/** A refusal on a redirect says where it was sent (the host only: the URL may carry a secret). */
function onHop(error: GuardedFetchError, redirects: number, url: URL): GuardedFetchError {
  if (redirects === 0 || (error.reason !== 'address' && error.reason !== 'url')) return error;
  return new GuardedFetchError(error.reason, `redirected to ${url.protocol}//${url.host}, ${error.message}`, {
    cause: error,
  });
}

/** What can be refused before connecting: the scheme, credentials, and a host written as an address. */
function checkUrl(url: URL, allows: AddressPolicy): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new GuardedFetchError('url', `not an http(s) URL (${url.protocol})`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new GuardedFetchError('url', 'a URL with credentials (user:password@)');
  }
  // The WHATWG parser has already turned decimal, octal and hex IPv4 forms into dotted quads.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  // A literal address never reaches the lookup below: Node connects to it directly.
  if (isIP(host) !== 0) refuseUnless(allows, host, host);
}

function refuseUnless(allows: AddressPolicy, address: string, hostname: string): void {
  const refusal = allows(address);
  if (refusal === undefined) return;
  const which = hostname === address ? `${address} is` : `${hostname} resolves to ${address},`;
  throw new GuardedFetchError('address', `address not allowed (${which} ${refusal})`);
}

/**
 * Resolves once per connection, refuses it if any answer is not allowed, and hands the checked answers to
 * the socket, which connects to one of them and to nothing else.
 */
function checkedLookup(resolveHost: ResolveHost, allows: AddressPolicy): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    resolveHost(hostname)
      .then((addresses) => {
        const first = addresses[0];
        if (!first) throw new GuardedFetchError('network', `${hostname} has no address`);
        for (const { address } of addresses) refuseUnless(allows, address, hostname);
        if (lookupOptions.all) callback(null, [...addresses]);
        else callback(null, first.address, first.family);
      })
      .catch((error: NodeJS.ErrnoException) => callback(error, ''));
  };
}

function failure(error: unknown): GuardedFetchError {
  if (error instanceof GuardedFetchError) return error;
  if (error instanceof Error && error.name === 'TimeoutError') {
    return new GuardedFetchError('timeout', 'no answer in time', { cause: error });
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'ENOTFOUND') return new GuardedFetchError('network', 'host not found', { cause: error });
  const detail = typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
  return new GuardedFetchError('network', detail, { cause: error });
}
