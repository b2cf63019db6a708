// The userspace impairment layer (the kernel here has no netem): wraps any Transport and passes each message it
// receives through a NetworkModel, dropping it or delivering it later on the given scheduler. One implementation
// for both run modes: over the in-memory bus on a virtual-time scheduler, and over real MQTT/ZeroMQ on the wall
// clock (asyncScheduler) in --realtime runs.
import { Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { Clock } from '../../shared/time/clock.js';
import type { Message, PublishOptions, Transport, TransportKind, TransportStats } from '../../shared/transport/types.js';
import type { Rng } from '../world/rng.js';
import type { NetworkContext, NetworkModel } from './models.js';

export interface ImpairmentStats {
  offered: number;
  lost: number;
  delivered: number;
  /** Sum of applied delays, ms (mean = delaySumMs / delivered). */
  delaySumMs: number;
}

export interface ImpairedTransportOptions {
  /** Applied to every message this side receives. */
  model: NetworkModel;
  scheduler: SchedulerLike;
  /** Restamps receivedAtNs at the (delayed) delivery. */
  clock: Clock;
  rng: Rng;
  /** Where the ego is now (position-indexed traces). */
  context?: () => NetworkContext;
  /** Report this kind instead of the inner one (e.g. two simulated paths over one in-memory bus). */
  kind?: TransportKind;
}

/**
 * Each message is sampled once per subscription that receives it, so overlapping filters on one impaired
 * transport would see independent draws; the pipelines subscribe with disjoint filters.
 */
export class ImpairedTransport implements Transport {
  readonly kind: TransportKind;
  readonly impairment: ImpairmentStats = { offered: 0, lost: 0, delivered: 0, delaySumMs: 0 };

  constructor(private readonly inner: Transport, private readonly o: ImpairedTransportOptions) {
    this.kind = o.kind ?? inner.kind;
  }

  publish(topic: string, payload: Uint8Array, options?: PublishOptions): Promise<void> {
    return this.inner.publish(topic, payload, options);
  }

  subscribe(topicFilter: string): Observable<Message> {
    // What mergeMap over a per-message timer would do (same draws, same scheduling order, completion after the
    // last pending delivery), with one scheduled action per message and no operator chain: this runs for every
    // message of a run.
    return new Observable<Message>((sub) => {
      const pending = new Set<Subscription>();
      let innerDone = false;
      const inner = this.inner.subscribe(topicFilter).subscribe({
        next: (m) => {
          this.impairment.offered++;
          // Built field by field, per message (shared/kernels/v8-shapes.ts, rule 1).
          const c = this.o.context?.();
          const ctx: NetworkContext = {
            egoXM: c?.egoXM, egoYM: c?.egoYM, routeSM: c?.routeSM, sizeBytes: m.payload.length, streamId: m.topic,
          };
          const s = this.o.model.sample(this.o.clock.nowNs(), ctx, this.o.rng);
          if (!s.delivered) {
            this.impairment.lost++;
            return;
          }
          this.impairment.delivered++;
          this.impairment.delaySumMs += s.delayMs;
          // (A scheduler may run the action inside schedule(), e.g. queueScheduler at delay 0.)
          let action: Subscription | undefined;
          let delivered = false;
          action = this.o.scheduler.schedule(() => {
            delivered = true;
            if (action) pending.delete(action);
            sub.next({ topic: m.topic, payload: m.payload, transport: this.kind, receivedAtNs: this.o.clock.nowNs() });
            if (innerDone && pending.size === 0) sub.complete();
          }, s.delayMs);
          if (!delivered) pending.add(action);
        },
        error: (err: unknown) => sub.error(err),
        complete: () => {
          innerDone = true;
          if (pending.size === 0) sub.complete();
        },
      });
      return () => {
        inner.unsubscribe();
        for (const a of pending) a.unsubscribe();
      };
    });
  }

  stats(): TransportStats {
    return this.inner.stats();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
