// Tolerance assertions shared by the numerical tests. The tolerance is always explicit at the call (or in a
// one-line per-file default), so each test states how exact it expects a value to be.
import assert from 'node:assert/strict';

/** |a - b| <= tol (a NaN on either side fails). */
export const close = (a: number, b: number, tol: number, msg = ''): void =>
  assert.ok(Math.abs(a - b) <= tol, `${msg} expected ${b}, got ${a} (tol ${tol})`);

/** Same length, and element-wise close. */
export function closeV(a: readonly number[], b: readonly number[], tol: number): void {
  assert.equal(a.length, b.length, 'vector length');
  a.forEach((v, i) => close(v, b[i]!, tol, `[${i}]`));
}

/** Same shape, and element-wise close. */
export function closeM(a: readonly (readonly number[])[], b: readonly (readonly number[])[], tol: number): void {
  assert.equal(a.length, b.length, 'row count');
  a.forEach((r, i) => {
    assert.equal(r.length, b[i]!.length, `row ${i} length`);
    r.forEach((v, j) => close(v, b[i]![j]!, tol, `[${i}][${j}]`));
  });
}
