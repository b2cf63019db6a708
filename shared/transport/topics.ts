// The topic scheme shared by every transport, the MQTT wildcard matcher, default delivery per message kind, and
// a small router that fans received messages out to per-filter observers (used by every transport so that
// wildcard semantics and reference counting are identical on MQTT, ZeroMQ and the in-memory bus).
import { Observable, type Subscriber } from 'rxjs';
import type { PayloadKind } from '../model/types.js';
import type { PublishOptions } from './types.js';

export const TOPIC_ROOT = 'iaad/v1';

/** Kinds of message on the wire; one per Envelope payload, so topics and payloads never disagree. */
export type MessageKind = PayloadKind;
export const MESSAGE_KINDS: readonly MessageKind[] = ['frame', 'advisory', 'intent', 'syncRequest', 'syncResponse'];

export class TopicError extends Error {
  override name = 'TopicError';
}

/** Throws unless id can be one topic level: non-empty, no '/', '+', '#' or NUL. Returns id for chaining. */
export function validateId(id: string, what = 'id'): string {
  if (typeof id !== 'string' || id.length === 0) throw new TopicError(`${what} must be a non-empty string`);
  const bad = /[/+#\u0000]/.exec(id);
  if (bad) throw new TopicError(`${what} "${id}" must not contain '${bad[0] === '\u0000' ? 'NUL' : bad[0]}'`);
  return id;
}

// ---- builders ------------------------------------------------------------------------------------------------

export const frameTopic = (region: string, rsuId: string): string =>
  `${TOPIC_ROOT}/${validateId(region, 'region')}/${validateId(rsuId, 'rsuId')}/frame`;

export const advisoryTopic = (region: string, rsuId: string, vehicleId: string): string =>
  `${TOPIC_ROOT}/${validateId(region, 'region')}/${validateId(rsuId, 'rsuId')}/advisory/${validateId(vehicleId, 'vehicleId')}`;

export const intentTopic = (vehicleId: string): string =>
  `${TOPIC_ROOT}/vehicle/${validateId(vehicleId, 'vehicleId')}/intent`;

export const syncRequestTopic = (region: string, rsuId: string): string =>
  `${TOPIC_ROOT}/${validateId(region, 'region')}/${validateId(rsuId, 'rsuId')}/sync/request`;

export const syncResponseTopic = (region: string, rsuId: string, vehicleId: string): string =>
  `${TOPIC_ROOT}/${validateId(region, 'region')}/${validateId(rsuId, 'rsuId')}/sync/response/${validateId(vehicleId, 'vehicleId')}`;

// ---- common filters (undefined region/rsu = '+') -----------------------------------------------------------------

const level = (v: string | undefined, what: string): string => (v === undefined ? '+' : validateId(v, what));

/** Frames of one RSU, of every RSU in a region, or of every RSU. */
export const framesFilter = (region?: string, rsuId?: string): string =>
  `${TOPIC_ROOT}/${level(region, 'region')}/${level(rsuId, 'rsuId')}/frame`;

/** Advisories addressed to one vehicle, from one RSU or any. */
export const advisoriesFilter = (vehicleId: string, region?: string, rsuId?: string): string =>
  `${TOPIC_ROOT}/${level(region, 'region')}/${level(rsuId, 'rsuId')}/advisory/${validateId(vehicleId, 'vehicleId')}`;

/** Intents of every vehicle (an RSU listens to all; it filters by position, not by topic). */
export const intentsFilter = (): string => `${TOPIC_ROOT}/vehicle/+/intent`;

export const syncResponsesFilter = (vehicleId: string, region?: string, rsuId?: string): string =>
  `${TOPIC_ROOT}/${level(region, 'region')}/${level(rsuId, 'rsuId')}/sync/response/${validateId(vehicleId, 'vehicleId')}`;

// ---- parsing ------------------------------------------------------------------------------------------------

export interface ParsedTopic {
  kind: MessageKind;
  region?: string;
  rsuId?: string;
  vehicleId?: string;
}

/** Inverse of the builders; null for a topic outside the scheme. */
export function parseTopic(topic: string): ParsedTopic | null {
  const p = topic.split('/');
  if (p[0] !== 'iaad' || p[1] !== 'v1') return null;
  if (p[2] === 'vehicle' && p.length === 5 && p[4] === 'intent') return { kind: 'intent', vehicleId: p[3]! };
  const [, , region, rsuId, a, b, c] = p;
  if (!region || !rsuId) return null;
  if (p.length === 5 && a === 'frame') return { kind: 'frame', region, rsuId };
  if (p.length === 6 && a === 'advisory' && b) return { kind: 'advisory', region, rsuId, vehicleId: b };
  if (p.length === 6 && a === 'sync' && b === 'request') return { kind: 'syncRequest', region, rsuId };
  if (p.length === 7 && a === 'sync' && b === 'response' && c) return { kind: 'syncResponse', region, rsuId, vehicleId: c };
  return null;
}

// ---- MQTT topic names, filters and matching ------------------------------------------------------------------

/** Throws unless topic is a valid MQTT topic name to publish to (non-empty, no wildcards, no NUL). */
export function validateTopicName(topic: string): string {
  if (typeof topic !== 'string' || topic.length === 0) throw new TopicError('topic must be a non-empty string');
  if (/[+#\u0000]/.test(topic)) throw new TopicError(`topic "${topic}" must not contain '+', '#' or NUL`);
  return topic;
}

/** Throws unless filter is a valid MQTT filter: '+' fills a whole level, '#' fills the whole last level. */
export function validateTopicFilter(filter: string): string {
  if (typeof filter !== 'string' || filter.length === 0) throw new TopicError('topic filter must be a non-empty string');
  if (filter.includes('\u0000')) throw new TopicError(`topic filter "${filter}" must not contain NUL`);
  const levels = filter.split('/');
  levels.forEach((l, i) => {
    if (l.includes('#') && (l !== '#' || i !== levels.length - 1)) {
      throw new TopicError(`topic filter "${filter}": '#' must be the whole last level`);
    }
    if (l.includes('+') && l !== '+') throw new TopicError(`topic filter "${filter}": '+' must be a whole level`);
  });
  return filter;
}

/**
 * MQTT 3.1.1/5 matching (section 4.7): '+' matches exactly one level (possibly empty), '#' matches the parent
 * level and any number of levels below it; a filter starting with a wildcard does not match '$'-topics.
 * Assumes a valid filter (see validateTopicFilter); the fast path is an exact match.
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const fl = f[i];
    if (fl === '#') return true; // also matches "a" for "a/#" (i === t.length)
    if (i >= t.length) return false;
    if (fl !== '+' && fl !== t[i]) return false;
  }
  return f.length === t.length;
}

/** The literal prefix of a filter up to its first wildcard: what a ZeroMQ prefix subscription can express. */
export function filterPrefix(filter: string): string {
  const i = filter.search(/[+#]/);
  return i < 0 ? filter : filter.slice(0, i);
}

// ---- delivery defaults per kind ------------------------------------------------------------------------------

export type Delivery = Required<PublishOptions>;

/**
 * Defaults per kind. Frames: QoS 0, a late frame is useless and the next one is 100 ms away. Advisories and
 * intents: QoS 1, small and rare and must arrive, but still expire (an advisory outlives its validity window
 * never). Sync: QoS 0, a sample delayed by a retransmission would bias the offset estimate; better none.
 * Expiry is whole seconds because MQTT 5's message-expiry-interval is.
 */
export const DEFAULT_DELIVERY: Readonly<Record<MessageKind, Readonly<Delivery>>> = Object.freeze({
  frame: { qos: 0, expirySeconds: 1 },
  advisory: { qos: 1, expirySeconds: 5 },
  intent: { qos: 1, expirySeconds: 5 },
  syncRequest: { qos: 0, expirySeconds: 1 },
  syncResponse: { qos: 0, expirySeconds: 1 },
});

/** Delivery for a topic of the scheme; QoS 0 with 1 s expiry for anything else (fresh-or-nothing). */
export function deliveryFor(topic: string): Delivery {
  const kind = parseTopic(topic)?.kind;
  return { ...(kind ? DEFAULT_DELIVERY[kind] : DEFAULT_DELIVERY.frame) };
}

/** Whole seconds (at least 1) until validUntilNs: expiry for a message that carries its own validity. */
export function expirySecondsUntil(validUntilNs: number, nowNs: number): number {
  return Math.max(1, Math.ceil((validUntilNs - nowNs) / 1e9));
}

// ---- fan-out ------------------------------------------------------------------------------------------------

const MATCH_CACHE_MAX_TOPICS = 4096;

export interface TopicRouterHooks {
  /** First observer of a filter arrived: register interest on the wire (MQTT SUBSCRIBE, ZMQ prefix). */
  onFirst?(filter: string): void;
  /** Last observer of a filter left: remove interest on the wire. */
  onLast?(filter: string): void;
}

/**
 * Reference-counted filters, each with its observers; dispatch() hands a message to every observer whose filter
 * matches. Observables are hot: an observer sees only messages dispatched while it is subscribed.
 */
export class TopicRouter<M extends { topic: string }> {
  private readonly observers = new Map<string, Set<Subscriber<M>>>();
  /**
   * Per topic, the observer sets whose filter matches it: a vehicle following many RSUs holds dozens of filters
   * and sees every message on the bus, so matching each filter per message dominated the simulator's run time.
   * Cleared whenever a filter comes or goes; bounded, since topics carry vehicle ids.
   */
  private readonly matchCache = new Map<string, Array<Set<Subscriber<M>>>>();

  constructor(private readonly hooks: TopicRouterHooks = {}) {}

  observe(filter: string): Observable<M> {
    validateTopicFilter(filter);
    return new Observable<M>((subscriber) => {
      let set = this.observers.get(filter);
      const first = !set;
      if (!set) {
        this.observers.set(filter, (set = new Set()));
        this.matchCache.clear();
      }
      set.add(subscriber);
      if (first) this.hooks.onFirst?.(filter);
      return () => {
        const s = this.observers.get(filter);
        if (!s || !s.delete(subscriber) || s.size > 0) return;
        this.observers.delete(filter);
        this.matchCache.clear();
        this.hooks.onLast?.(filter);
      };
    });
  }

  /** Delivers msg to every matching observer; false if none matched (the caller counts it as dropped). */
  dispatch(msg: M): boolean {
    const sets = this.matching(msg.topic);
    for (const set of sets) for (const s of [...set]) s.next(msg); // copy: an observer may (un)subscribe while called
    return sets.length > 0;
  }

  /** True if some active filter matches topic (to count drops without dispatching). */
  wants(topic: string): boolean {
    return this.matching(topic).length > 0;
  }

  private matching(topic: string): Array<Set<Subscriber<M>>> {
    let sets = this.matchCache.get(topic);
    if (sets) return sets;
    sets = [];
    for (const [filter, set] of this.observers) if (topicMatches(filter, topic)) sets.push(set);
    if (this.matchCache.size >= MATCH_CACHE_MAX_TOPICS) this.matchCache.clear();
    this.matchCache.set(topic, sets);
    return sets;
  }

  /** Filters with at least one observer, e.g. to resubscribe after a reconnect. */
  filters(): string[] {
    return [...this.observers.keys()];
  }

  /** Completes every observer (transport closed); hooks are not called. */
  complete(): void {
    const all = [...this.observers.values()];
    this.observers.clear();
    for (const set of all) for (const s of set) s.complete();
  }
}
