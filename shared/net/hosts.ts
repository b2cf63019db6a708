// Host names in the config are resolved once at start: a ZeroMQ connect or an MQTT client given a name that does
// not resolve retries forever without a word, so a typo used to give a process that runs and never receives.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** One address from a config: the field that names it (`rsus.0.zmq.pubEndpoint`) and its value. */
export interface ConfigAddress {
  field: string;
  /** `tcp://HOST:PORT`, `ipc://PATH`, `mqtt://HOST:PORT`, `mqtts://HOST:PORT`. */
  address: string;
  /** A ZeroMQ endpoint this process binds: HOST may also name a network interface (`tcp://eth0:5556`). */
  bind?: boolean;
}

/** A name lookup: resolves if the host has an address, rejects with the resolver's error otherwise. */
export type HostLookup = (host: string) => Promise<unknown>;

/** Longest wait for one name, ms: a resolver that does not answer is as good as one that says no. */
export const RESOLVE_TIMEOUT_MS = 5_000;

/**
 * The host an address names, or null when there is nothing to resolve: ipc:// paths, IP literals and the
 * bind wildcard `*`.
 */
export function hostOf(address: string): string | null {
  const m = /^[a-z]+:\/\/(\[[^\]]*\]|[^/:]*)/.exec(address);
  if (!m || address.startsWith('ipc://')) return null;
  const host = m[1]!.replace(/^\[(.*)\]$/, '$1');
  if (host === '' || host === '*' || isIP(host) !== 0) return null;
  return host;
}

/** One message per address whose host does not resolve (`FIELD: cannot resolve HOST (ENOTFOUND)`); [] if all do. */
export async function unresolvedHosts(
  addresses: readonly ConfigAddress[], resolve: HostLookup = lookup, timeoutMs = RESOLVE_TIMEOUT_MS,
): Promise<string[]> {
  const checks = addresses.map(async ({ field, address, bind }) => {
    const host = hostOf(address);
    if (host === null || (bind && networkInterfaces()[host] !== undefined)) return null;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: `no answer within ${timeoutMs} ms` })), timeoutMs);
    });
    try {
      await Promise.race([resolve(host), timedOut]);
      return null;
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      return `${field}: cannot resolve ${host} (${why})`;
    } finally {
      clearTimeout(timer);
    }
  });
  return (await Promise.all(checks)).filter((m): m is string => m !== null);
}

export class UnresolvedHostError extends Error {
  override name = 'UnresolvedHostError';
}

/** Throws naming the config file, each field and host that does not resolve; called before anything connects. */
export async function requireResolvableHosts(configPath: string, addresses: readonly ConfigAddress[], resolve?: HostLookup): Promise<void> {
  const bad = await unresolvedHosts(addresses, resolve);
  if (bad.length > 0) throw new UnresolvedHostError(bad.map((m) => `${configPath}: ${m}`).join('\n'));
}
