// `iaad roadside|vehicle --impair`: the userspace impairment layer (the kernel here has no netem) on what a
// process receives. The CLI builds it and hands it to the process as a ReceiveDecorator, so a process never
// imports the simulator.
import { asyncScheduler } from 'rxjs';
import type { ReceiveDecorator, ReceiveDecoratorOptions, Transport } from '../../shared/transport/types.js';
import { Rng } from '../world/rng.js';
import { ImpairedTransport } from './impaired-transport.js';
import { parseNetworkSpec } from './models.js';

export interface ImpairArg {
  /** Network spec (docs/network-models.md). */
  spec: string;
  /** Seeds the model's randomness: the same seed, the same draws for the same message sequence. */
  seed: number;
}

/** Seed of `--impair SPEC` without one: fixed, so a run is repeatable unless told otherwise. */
export const DEFAULT_IMPAIR_SEED = 1;

/** `--impair` value: `SPEC` or `seed=N;SPEC`. The spec is parsed once here so a bad one fails at start. */
export function parseImpairArg(arg: string): ImpairArg {
  const m = /^\s*seed=(\d+)\s*;(.*)$/.exec(arg);
  const spec = (m ? m[2]! : arg).trim();
  parseNetworkSpec(spec);
  return { spec, seed: m ? Number(m[1]) : DEFAULT_IMPAIR_SEED };
}

/**
 * Throws unless the spec can be sampled without knowing where the ego is: a roadside process impairs its
 * uplink but has no ego position, which position- and route-indexed traces need.
 */
export function requireEgoFree(a: ImpairArg): void {
  try {
    parseNetworkSpec(a.spec).sample(0, { sizeBytes: 1000, streamId: 'probe' }, new Rng(0));
  } catch (err) {
    throw new Error(`--impair "${a.spec}": ${(err as Error).message}; a roadside process does not know the ego's position (use a time-indexed or parametric model)`);
  }
}

/** Delays or drops what `t` delivers, on the wall clock; publishing is untouched (the peer impairs its side). */
export function impair(t: Transport, a: ImpairArg, o: ReceiveDecoratorOptions): Transport {
  return new ImpairedTransport(t, {
    model: parseNetworkSpec(a.spec, { runStartNs: o.runStartNs }), scheduler: asyncScheduler, clock: o.clock,
    rng: new Rng(a.seed).fork(o.stream), ...(o.context ? { context: o.context } : {}),
  });
}

/** The `--impair` argument of a process as the decorator it is handed; an RSU's must not need the ego's position. */
export function impairmentDecorator(arg: string, role: 'roadside' | 'vehicle'): ReceiveDecorator {
  const a = parseImpairArg(arg);
  if (role === 'roadside') requireEgoFree(a);
  return { describe: a.spec, wrap: (t, o) => impair(t, a, o) };
}
