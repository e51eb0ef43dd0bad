/**
 * A small seeded pseudo-random generator (xoshiro128**, Blackman & Vigna 2018) for
 * everything that must replay from a seed: synthetic workloads, the simulator, fuzz inputs.
 * Never for keys or batch-verification coefficients (those use the CSPRNG). Its state is
 * seeded from a 32-bit seed through SplitMix32, so seeds 1, 2, 3 give unrelated streams.
 */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      return mix32(s);
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
  }

  /**
   * An independent stream for one subsystem of a seeded run (the simulator's network, its
   * faults, its workload, each adversary): the state is derived from the whole seed (up to
   * 2^53) and the stream's name, so a draw added in one subsystem does not reshuffle another's.
   */
  static stream(seed: number, name: string): Prng {
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new RangeError(`Prng.stream: seed must be a safe non-negative integer, got ${seed}`);
    // FNV-1a over the name, then SplitMix32 steps keyed by the seed's two halves and the name.
    let h = 0x811c9dc5;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
    const low = seed >>> 0;
    const high = Math.floor(seed / 0x1_0000_0000) >>> 0;
    const prng = new Prng(0);
    let s = (low ^ mix32(high ^ 0x632be5ab) ^ mix32(h)) >>> 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      s = (s + 0x9e3779b9) >>> 0;
      words.push(mix32(s ^ Math.imul(h, i + 1)));
    }
    // xoshiro's state must not be all zero.
    if (((words[0] as number) | (words[1] as number) | (words[2] as number) | (words[3] as number)) === 0) words[0] = 1;
    prng.#a = words[0] as number;
    prng.#b = words[1] as number;
    prng.#c = words[2] as number;
    prng.#d = words[3] as number;
    return prng;
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.#b, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.#b << 9) >>> 0;
    this.#c ^= this.#a;
    this.#d ^= this.#b;
    this.#b ^= this.#c;
    this.#a ^= this.#d;
    this.#c ^= t;
    this.#d = rotl(this.#d >>> 0, 11);
    this.#a >>>= 0;
    this.#b >>>= 0;
    this.#c >>>= 0;
    return result;
  }

  /** A uniform integer in [0, bound) for 0 < bound ≤ 2^32 (rejection sampling: no modulo bias). */
  below(bound: number): number {
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % bound);
    for (;;) {
      const value = this.nextU32();
      if (value < limit) return value % bound;
    }
  }

  /** A uniform integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  /** A uniform float in [0, 1). */
  nextFloat(): number {
    return this.nextU32() / 0x1_0000_0000;
  }

  /** `count` pseudo-random bytes. */
  bytes(count: number): Uint8Array {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i += 4) {
      const value = this.nextU32();
      for (let j = 0; j < 4 && i + j < count; j++) out[i + j] = (value >>> (8 * j)) & 0xff;
    }
    return out;
  }
}

/** The SplitMix32 finaliser: a bijective 32-bit mix. */
function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
