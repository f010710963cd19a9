// The behaviour every StepUpStore must have, as tests that run against any store: the contract in
// store.ts, checked the way the engine relies on it. For people writing a store for another
// database, and for our own MemoryStore and RedisStore. It needs no test framework: it registers
// each case through the `test` function it is given and checks with node:assert.
import assert from 'node:assert/strict'
import type { ChallengeRecord, Clock, StepUpStore } from './store.js'

/** The clock the suite moves; a store must read time from it. */
export interface ConformanceClock extends Clock {
  now (): number
  /** Moves time forward by `ms`. */
  advance (ms: number): void
}

/** Registers one test: tap's `(name, fn) => t.test(name, fn)`, node:test's `test`, vitest's `it`. */
export type ConformanceTest = (name: string, fn: () => Promise<void>) => unknown

export interface StoreConformanceOptions {
  /** Names the store in each test's name. */
  name: string
  /**
   * A new store with no state, reading time from `clock`. Called once per test, so each test starts
   * empty: a shared database needs a fresh key prefix (or database) per call.
   */
  createStore: (clock: ConformanceClock) => StepUpStore | Promise<StepUpStore>
  /** How the suite registers its tests with your test framework. */
  test: ConformanceTest
  /** How many calls race in the concurrency tests. Default 200. */
  concurrency?: number
}

// 2026-01-01T00:00:00Z: any fixed start works, since a store may only measure time on the clock.
const START = 1_767_225_600_000

function createClock (): ConformanceClock {
  let now = START
  return {
    now: () => now,
    advance (ms) { now += ms }
  }
}

function challenge (overrides: Partial<ChallengeRecord> = {}): ChallengeRecord {
  return {
    userId: 'user-1',
    sessionId: 'session-1',
    method: 'email',
    destination: 'user@example.com',
    codeHash: 'f'.repeat(64),
    attempts: 0,
    expiresAt: START + 300_000,
    consumed: false,
    ...overrides
  }
}

// A title's N stands for the concurrency option.
type Case = (store: StepUpStore, clock: ConformanceClock, n: number) => Promise<void>

const cases: Record<string, Case> = {
  async 'a challenge round-trips unchanged, and the store keeps its own copy' (store) {
    const tricky = challenge({
      userId: 'ü:{user}%20"\\',
      sessionId: '',
      method: 'email',
      destination: 'Zoë <zoë+tag@exämple.org> 🔑',
      codeHash: 'a'.repeat(200),
      attempts: 3,
      expiresAt: Number.MAX_SAFE_INTEGER,
      consumed: true
    })
    const given = { ...tricky }
    await store.createChallenge('c1', given, 1000)
    given.attempts = 99
    given.destination = 'changed'
    const got = await store.getChallenge('c1')
    assert.deepEqual(got, tricky)
    got!.consumed = false
    got!.attempts = 42
    assert.deepEqual(await store.getChallenge('c1'), tricky, 'changing a returned value changes nothing stored')
    await store.createChallenge('c2', challenge(), 1000)
    assert.deepEqual(await store.getChallenge('c2'), challenge())
  },

  async 'an unknown challenge is absent for every operation, and none of them creates it' (store) {
    assert.equal(await store.getChallenge('nope'), undefined)
    assert.equal(await store.countAttempt('nope'), undefined)
    assert.equal(await store.consumeChallenge('nope'), false)
    await store.deleteChallenge('nope')
    assert.equal(await store.getChallenge('nope'), undefined)
  },

  async 'a challenge is gone exactly when its TTL ends, whatever its expiresAt says' (store, clock) {
    // expiresAt belongs to the engine; the store keeps the record for the TTL it is given.
    await store.createChallenge('c1', challenge({ expiresAt: START - 1 }), 1000)
    clock.advance(999)
    assert.ok(await store.getChallenge('c1'), 'there 1 ms before the TTL ends')
    clock.advance(1)
    assert.equal(await store.getChallenge('c1'), undefined)
    assert.equal(await store.countAttempt('c1'), undefined)
    assert.equal(await store.consumeChallenge('c1'), false)
  },

  async 'countAttempt adds one and returns the record after the change, without extending its life' (store, clock) {
    await store.createChallenge('c1', challenge(), 1000)
    assert.deepEqual(await store.countAttempt('c1'), challenge({ attempts: 1 }))
    clock.advance(600)
    assert.deepEqual(await store.countAttempt('c1'), challenge({ attempts: 2 }))
    assert.equal((await store.getChallenge('c1'))!.attempts, 2)
    clock.advance(400)
    assert.equal(await store.countAttempt('c1'), undefined, 'counting did not extend the life')
  },

  async 'consumeChallenge is true for one call only; the record then shows it consumed' (store, clock) {
    await store.createChallenge('c1', challenge(), 1000)
    await store.countAttempt('c1')
    assert.equal(await store.consumeChallenge('c1'), true)
    assert.equal(await store.consumeChallenge('c1'), false)
    assert.deepEqual(await store.getChallenge('c1'), challenge({ attempts: 1, consumed: true }))
    assert.deepEqual(await store.countAttempt('c1'), challenge({ attempts: 2, consumed: true }), 'a consumed challenge still counts guesses')
    clock.advance(1000)
    assert.equal(await store.getChallenge('c1'), undefined, 'consuming did not extend the life')
  },

  async 'deleteChallenge removes that challenge only' (store) {
    await store.createChallenge('c1', challenge(), 1000)
    await store.createChallenge('c2', challenge({ userId: 'user-2' }), 1000)
    await store.deleteChallenge('c1')
    assert.equal(await store.getChallenge('c1'), undefined)
    assert.equal(await store.consumeChallenge('c1'), false)
    assert.deepEqual(await store.getChallenge('c2'), challenge({ userId: 'user-2' }))
    await store.deleteChallenge('c1')
  },

  async 'a challenge created again, live or expired, is the new one: attempts, consumption and TTL start over' (store, clock) {
    // The LoginRadius-compatible routes reuse a challenge id per user: the latest code wins.
    for (const [wait, name] of [[500, 'while live'], [1000, 'once expired']] as const) {
      await store.createChallenge('c1', challenge(), 1000)
      await store.countAttempt('c1')
      await store.consumeChallenge('c1')
      clock.advance(wait)
      await store.createChallenge('c1', challenge({ codeHash: 'replaced' }), 5000)
      assert.deepEqual(await store.getChallenge('c1'), challenge({ codeHash: 'replaced' }), `${name}: no attempt, not consumed, the new code`)
      assert.equal(await store.consumeChallenge('c1'), true, `${name}: it can be consumed once again`)
      clock.advance(4999)
      assert.ok(await store.getChallenge('c1'), `${name}: the new TTL counts from the new creation`)
      clock.advance(1)
      assert.equal(await store.getChallenge('c1'), undefined)
    }
  },

  async 'logAdd keeps at most max entries in any interval of ttlMs: a sliding window, not a fixed one' (store, clock) {
    assert.deepEqual(await store.logAdd('l', 'a', 3, 1000), { count: 1, retryMs: 0 })
    clock.advance(400)
    assert.deepEqual(await store.logAdd('l', 'b', 3, 1000), { count: 2, retryMs: 0 })
    clock.advance(400)
    assert.deepEqual(await store.logAdd('l', 'c', 3, 1000), { count: 3, retryMs: 0 })
    assert.deepEqual(await store.logAdd('l', 'd', 3, 1000), { count: 3, retryMs: 200 }, 'full: room when the oldest goes')
    clock.advance(199)
    assert.deepEqual(await store.logAdd('l', 'd', 3, 1000), { count: 3, retryMs: 1 }, 'a refused add changed nothing')
    clock.advance(1)
    assert.deepEqual(await store.logAdd('l', 'd', 3, 1000), { count: 3, retryMs: 0 }, 'the oldest went exactly at its ttl')
    assert.deepEqual(await store.logAdd('l', 'e', 3, 1000), { count: 3, retryMs: 400 }, 'the next room comes when b goes, not at a window edge')
    clock.advance(2000)
    assert.deepEqual(await store.logAdd('l', 'f', 3, 1000), { count: 1, retryMs: 0 }, 'every entry went with its own ttl')
  },

  async 'logRemove takes out one entry, and only that one' (store, clock) {
    for (const entry of ['a', 'b', 'c']) await store.logAdd('l', entry, 3, 1000)
    await store.logRemove('l', 'b')
    await store.logRemove('l', 'unknown')
    await store.logRemove('no such log', 'a')
    assert.deepEqual(await store.logAdd('l', 'd', 3, 1000), { count: 3, retryMs: 0 })
    assert.equal((await store.logAdd('l', 'e', 3, 1000)).retryMs, 1000, 'a and c are still there')
    clock.advance(1000)
    await store.logRemove('l', 'a')
    assert.deepEqual(await store.logAdd('l', 'e', 3, 1000), { count: 1, retryMs: 0 })
  },

  async 'markOnce is true only for the call that set it, until the mark expires' (store, clock) {
    assert.equal(await store.markOnce('m', 1000), true)
    assert.equal(await store.markOnce('m', 1000), false)
    assert.equal(await store.ttl('m'), 1000)
    clock.advance(999)
    assert.equal(await store.markOnce('m', 5000), false)
    assert.equal(await store.ttl('m'), 1, 'a refused markOnce does not extend the mark')
    clock.advance(1)
    assert.equal(await store.ttl('m'), 0)
    assert.equal(await store.markOnce('m', 1000), true)
  },

  async 'advance raises a stored number, true only for the call that raised it' (store, clock) {
    assert.equal(await store.advance('step', 5, 1000), true)
    assert.equal(await store.advance('step', 5, 1000), false, 'the same value again')
    assert.equal(await store.advance('step', 4, 1000), false, 'a lower value')
    clock.advance(500)
    assert.equal(await store.ttl('step'), 500, 'a refused advance does not extend the TTL')
    assert.equal(await store.advance('step', 6, 1000), true)
    assert.equal(await store.ttl('step'), 1000, 'a raise keeps the value for its own TTL')
    assert.equal(await store.advance('step', 6, 1000), false)
    clock.advance(1000)
    assert.equal(await store.ttl('step'), 0)
    assert.equal(await store.advance('step', 1, 1000), true, 'once it expired, any value is accepted')
  },

  async 'a lock holds for its whole duration and ends on time, while failures leave their log on their own' (store, clock) {
    // The engine's lockout: failures in a sliding log, then a lock mark for a fixed duration.
    for (const [i, entry] of ['f1', 'f2', 'f3'].entries()) {
      assert.deepEqual(await store.logAdd('failures:u', entry, 3, 60_000), { count: i + 1, retryMs: 0 })
    }
    assert.equal(await store.markOnce('lock:u', 900_000), true)
    clock.advance(60_000)
    assert.deepEqual(await store.logAdd('failures:u', 'f4', 3, 60_000), { count: 1, retryMs: 0 }, 'the failures left their log')
    assert.equal(await store.ttl('lock:u'), 840_000, 'the lock did not')
    assert.equal(await store.markOnce('lock:u', 900_000), false, 'locking again does not extend it')
    clock.advance(839_999)
    assert.equal(await store.ttl('lock:u'), 1)
    clock.advance(1)
    assert.equal(await store.ttl('lock:u'), 0)
  },

  async 'ttl is 0 for an unknown key; delete removes a mark' (store) {
    assert.equal(await store.ttl('nothing'), 0)
    await store.delete('nothing')
    await store.advance('k', 3, 1000)
    await store.markOnce('m', 1000)
    await store.delete('k')
    await store.delete('m')
    assert.equal(await store.ttl('k'), 0)
    assert.equal(await store.ttl('m'), 0)
    assert.equal(await store.advance('k', 1, 1000), true, 'the number starts again')
    assert.equal(await store.markOnce('m', 1000), true, 'the mark can be set again')
  },

  async 'keys are opaque: any characters, and no two keys share state' (store) {
    const keys = [
      'lock:alice', 'lock:alice:', 'lock:ALICE', 'lock', 'lock:alice%3A', 'cooldown:alice:email:a%40b.c',
      '{lock:alice}', 'a}b{c', 'ключ 🔑', 'with space', 'a'.repeat(500)
    ]
    for (const [i, key] of keys.entries()) {
      await store.markOnce(key, 1000 + i)
      for (let n = 0; n <= i; n++) await store.logAdd(key, `entry ${n}`, 100, 1000)
    }
    for (const [i, key] of keys.entries()) {
      assert.equal(await store.ttl(key), 1000 + i, `ttl of ${key}`)
      assert.equal((await store.logAdd(key, 'one more', 100, 1000)).count, i + 2, `log of ${key}`)
    }
  },

  async 'challenge ids, mark keys and log keys are separate namespaces' (store) {
    await store.createChallenge('x', challenge(), 1000)
    assert.deepEqual(await store.logAdd('x', 'e', 1, 1000), { count: 1, retryMs: 0 })
    assert.equal(await store.markOnce('x', 1000), true)
    assert.equal(await store.markOnce('y', 1000), true)
    await store.createChallenge('y', challenge(), 1000)
    assert.deepEqual(await store.getChallenge('x'), challenge())
    assert.equal(await store.markOnce('y', 1000), false)
    await store.delete('x')
    assert.ok(await store.getChallenge('x'), 'delete leaves the challenge')
    assert.equal((await store.logAdd('x', 'f', 1, 1000)).retryMs, 1000, 'delete leaves the log')
    await store.logRemove('y', 'e')
    await store.deleteChallenge('y')
    assert.equal(await store.ttl('y'), 1000, 'deleteChallenge and logRemove leave the mark')
  },

  async 'N concurrent consumeChallenge calls: exactly one is true' (store, _clock, n) {
    await store.createChallenge('c1', challenge(), 1000)
    const results = await Promise.all(Array.from({ length: n }, () => store.consumeChallenge('c1')))
    assert.equal(results.filter((consumed) => consumed).length, 1)
  },

  async 'N concurrent countAttempt calls: each count from 1 to N exactly once' (store, _clock, n) {
    await store.createChallenge('c1', challenge(), 1000)
    const results = await Promise.all(Array.from({ length: n }, () => store.countAttempt('c1')))
    assert.deepEqual(results.map((record) => record!.attempts).sort((a, b) => a - b), range(n))
    assert.equal((await store.getChallenge('c1'))!.attempts, n)
  },

  async 'N concurrent logAdd calls into a log that holds half as many: exactly half are added, each count once' (store, _clock, n) {
    const max = Math.floor(n / 2)
    const results = await Promise.all(Array.from({ length: n }, (_, i) => store.logAdd('l', `e${i}`, max, 1000)))
    const added = results.filter((result) => result.retryMs === 0)
    assert.deepEqual(added.map((result) => result.count).sort((a, b) => a - b), range(max))
    assert.ok(results.every((result) => result.retryMs === 0 || (result.count === max && result.retryMs === 1000)))
  },

  async 'N concurrent advance calls with one value: exactly one is true' (store, _clock, n) {
    const results = await Promise.all(Array.from({ length: n }, () => store.advance('step', 42, 1000)))
    assert.equal(results.filter((raised) => raised).length, 1)
  },

  async 'N concurrent advance calls with the values 1 to N: N is kept' (store, _clock, n) {
    await Promise.all(range(n).reverse().map((value) => store.advance('step', value, 1000)))
    assert.equal(await store.advance('step', n, 1000), false)
    assert.equal(await store.advance('step', n + 1, 1000), true)
  },

  async 'N concurrent markOnce calls: exactly one is true' (store, _clock, n) {
    const results = await Promise.all(Array.from({ length: n }, () => store.markOnce('m', 1000)))
    assert.equal(results.filter((set) => set).length, 1)
  }
}

function range (n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1)
}

/**
 * Registers the conformance tests for one store through `test`. Resolves once every registered test
 * has finished, when `test` returns a promise (tap, node:test); await it where the framework needs
 * subtests awaited.
 */
export async function storeConformance (options: StoreConformanceOptions): Promise<void> {
  const { name, createStore, test, concurrency = 200 } = options
  const running = Object.entries(cases).map(([title, run]) => test(`${name}: ${title.replace(/\bN\b/g, String(concurrency))}`, async () => {
    const clock = createClock()
    await run(await createStore(clock), clock, concurrency)
  }))
  await Promise.all(running)
}
