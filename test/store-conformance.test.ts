// The store conformance suite (fastify-step-up/store-conformance) against both stores we ship, under
// tap and under node:test, and against a store with races in it, which it must catch.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { MemoryStore, RedisStore, type ChallengeRecord, type Clock, type StepUpStore } from '../lib/index.js'
import { primitivesOf } from '../lib/stores/composite.js'
import { compositeConformance, storeConformance } from '../lib/stores/conformance.js'
import { connect, redisSkipReason, sharedRedisUrl, uniquePrefix } from './helpers/redis.js'

t.test('MemoryStore', async (t) => {
  await storeConformance({
    name: 'MemoryStore',
    createStore: (clock) => new MemoryStore({ clock }),
    test: (name, fn) => t.test(name, fn)
  })
})

t.test('RedisStore', { skip: redisSkipReason() }, async (t) => {
  const client = await connect(t, await sharedRedisUrl(t))
  await storeConformance({
    name: 'RedisStore',
    // A fresh prefix per test: each starts with no state, on one server.
    createStore: (clock) => new RedisStore({ client, prefix: uniquePrefix(), clock }),
    test: (name, fn) => t.test(name, fn)
  })
})

t.test('composite operations: MemoryStore', async (t) => {
  await compositeConformance({
    name: 'MemoryStore',
    createStore: (clock) => new MemoryStore({ clock }),
    test: (name, fn) => t.test(name, fn)
  })
})

t.test('composite operations: a store of primitives only, composed', async (t) => {
  await compositeConformance({
    name: 'primitives only',
    createStore: (clock) => primitivesOf(new MemoryStore({ clock })),
    test: (name, fn) => t.test(name, fn)
  })
})

t.test('composite operations: RedisStore', { skip: redisSkipReason() }, async (t) => {
  const client = await connect(t, await sharedRedisUrl(t))
  await compositeConformance({
    name: 'RedisStore',
    createStore: (clock) => new RedisStore({ client, prefix: uniquePrefix(), clock }),
    test: (name, fn) => t.test(name, fn)
  })
})

t.test('the suite runs under node:test, imported from the package', async (t) => {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--test-reporter=tap', 'test/fixtures/node-test-conformance.ts'], {
    cwd: root,
    encoding: 'utf8',
    // Coverage off in the child: it runs the built dist/, not lib/.
    env: { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }
  })
  t.equal(run.status, 0, 'node:test reports no failure')
  if (run.status !== 0) t.comment(run.stdout + run.stderr)
  t.match(run.stdout, /^# pass 21$/m)
  t.match(run.stdout, /^# fail 0$/m)
})

/**
 * Right one call at a time, wrong under concurrency: each operation reads, waits a turn of the event
 * loop as a remote store would, then writes. A suite that passed this would prove nothing about races.
 */
class RacyStore implements StepUpStore {
  readonly #entries = new Map<string, { value: string, expires: number }>()
  readonly #clock: Clock

  constructor (clock: Clock) {
    this.#clock = clock
  }

  async #read (key: string): Promise<{ value: string, expires: number } | undefined> {
    const entry = this.#entries.get(key)
    await new Promise((resolve) => setImmediate(resolve))
    return entry && entry.expires > this.#clock.now() ? { ...entry } : undefined
  }

  #write (key: string, value: unknown, expires: number): void {
    this.#entries.set(key, { value: JSON.stringify(value), expires })
  }

  async createChallenge (id: string, challenge: ChallengeRecord, ttlMs: number) {
    this.#write(`c:${id}`, challenge, this.#clock.now() + ttlMs)
  }

  async getChallenge (id: string) {
    const entry = await this.#read(`c:${id}`)
    return entry && JSON.parse(entry.value) as ChallengeRecord
  }

  async countAttempt (id: string) {
    const entry = await this.#read(`c:${id}`)
    if (!entry) return undefined
    const challenge = { ...JSON.parse(entry.value), attempts: JSON.parse(entry.value).attempts + 1 }
    this.#write(`c:${id}`, challenge, entry.expires)
    return challenge as ChallengeRecord
  }

  async consumeChallenge (id: string) {
    const entry = await this.#read(`c:${id}`)
    if (!entry || JSON.parse(entry.value).consumed) return false
    this.#write(`c:${id}`, { ...JSON.parse(entry.value), consumed: true }, entry.expires)
    return true
  }

  async deleteChallenge (id: string) {
    this.#entries.delete(`c:${id}`)
  }

  // A log as a JSON object of entry -> expiry, read and written back whole (the race).
  async logAdd (key: string, entry: string, max: number, ttlMs: number) {
    const now = this.#clock.now()
    const stored = await this.#read(`l:${key}`)
    const log = Object.fromEntries(Object.entries(stored ? JSON.parse(stored.value) as Record<string, number> : {})
      .filter(([, expires]) => expires > now))
    const expiries = Object.values(log)
    if (expiries.length >= max) return { count: expiries.length, retryMs: Math.min(...expiries) - now }
    log[entry] = now + ttlMs
    this.#write(`l:${key}`, log, now + ttlMs)
    return { count: Object.keys(log).length, retryMs: 0 }
  }

  async logRemove (key: string, entry: string) {
    const stored = await this.#read(`l:${key}`)
    if (!stored) return
    const log = JSON.parse(stored.value) as Record<string, number>
    delete log[entry]
    this.#write(`l:${key}`, log, stored.expires)
  }

  async markOnce (key: string, ttlMs: number) {
    if (await this.#read(`k:${key}`)) return false
    this.#write(`k:${key}`, 1, this.#clock.now() + ttlMs)
    return true
  }

  async advance (key: string, value: number, ttlMs: number) {
    const entry = await this.#read(`k:${key}`)
    if (entry && Number(entry.value) >= value) return false
    this.#write(`k:${key}`, value, this.#clock.now() + ttlMs)
    return true
  }

  async ttl (key: string) {
    const entry = await this.#read(`k:${key}`)
    return entry ? entry.expires - this.#clock.now() : 0
  }

  async delete (key: string) {
    this.#entries.delete(`k:${key}`)
  }
}

t.test('the suite catches a store that is right one call at a time but races under concurrency', async (t) => {
  const failed: string[] = []
  const passed: string[] = []
  await storeConformance({
    name: 'RacyStore',
    createStore: (clock) => new RacyStore(clock),
    concurrency: 20,
    test: (name, fn) => fn().then(() => passed.push(name), () => failed.push(name))
  })
  t.same(failed.sort(), [
    'RacyStore: 20 concurrent advance calls with one value: exactly one is true',
    'RacyStore: 20 concurrent advance calls with the values 1 to 20: 20 is kept',
    'RacyStore: 20 concurrent consumeChallenge calls: exactly one is true',
    'RacyStore: 20 concurrent countAttempt calls: each count from 1 to 20 exactly once',
    'RacyStore: 20 concurrent logAdd calls into a log that holds half as many: exactly half are added, each count once',
    'RacyStore: 20 concurrent markOnce calls: exactly one is true'
  ])
  t.equal(passed.length, 15, 'every other test passes')
})
