// V8 object shapes and array kinds: the one place that explains why the hot paths (tracker, gating, fusion,
// prediction, the wire decoder, the planners) are written the plain way they are. None of it changes a result;
// each rule removed a deoptimisation or a slow path that showed in profiles of the simulator (bench/sim-speed).
//
// 1. Objects a hot path hands on are built as one literal in their type's declared field order (a copy with a
//    field replaced included, e.g. detectedObjectWith), not by spreads. Literals of one field order share one
//    hidden class; every spread site makes its own, and each extra class reaching fusion and association made
//    them polymorphic and recompiled them. Spreads also take V8's slow generic clone path.
// 2. An object whose key is chosen at run time (the tracker's class scores) is one literal per key, not a
//    computed key nor keys added one by one: those go through the runtime.
// 3. Arrays a hot path hands on are built by push into a literal (or written as a literal), not by .map,
//    .filter or .slice: those return holey, packed or small-integer arrays depending on their input and on
//    whether the caller runs optimised, and each kind reaching a consumer deoptimised it ("wrong map").
// 4. A hidden class with number fields is seeded once with doubles ({@link keepShapeSeed}): V8 stores a field as
//    the first kind of value it sees (small integer or double) and replaces the class at the first value of the
//    other kind, deoptimising everything compiled against it at whatever moment of the run that happens.
// 5. An array of numbers that must hold doubles from the start (integers otherwise) comes from
//    {@link doubleArray}.
//
// Measure (bench/sim-speed, --cpu-prof) before adding a rule; drop one that no longer pays.

const SEEDS: unknown[] = [];

/**
 * Keeps `seed` alive for the life of the process and returns it (rule 4): V8 drops a hidden class, and the field
 * representations seeded into it, once no live object uses it. Build the seed with the hot path's own literal
 * (field order), a double in every number field, and each kind a field may hold (e.g. an array, then null).
 */
export function keepShapeSeed<T>(seed: T): T {
  SEEDS.push(seed);
  return seed;
}

/** [first], an array of doubles even when first and everything pushed later are integers (rule 5). */
export function doubleArray(first: number): number[] {
  const a = [0.5];
  a[0] = first;
  return a;
}
