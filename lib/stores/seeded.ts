// A small seeded generator (mulberry32): the same sequence for the same seed on every machine, so a
// failing random sequence of store operations can be run again. For tests and the conformance
// suite, never for anything secret.

/** Numbers in [0, 1), from `seed`. */
export function seeded (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}
