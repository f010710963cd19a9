// MemoryStore's own behaviour. The contract every store shares (TTLs, attempts, consume-once,
// mark-once, advance, races) is checked by the conformance suite in test/store-conformance.test.ts.
import { Clock } from '@tapjs/clock'
import t from 'tap'
import { MemoryStore, StoreFullError, type ChallengeRecord } from '../lib/index.js'

const record: ChallengeRecord = {
  userId: 'u',
  sessionId: 's',
  method: 'email',
  destination: 'u@example.com',
  codeHash: 'h',
  attempts: 0,
  expiresAt: 2_000_000,
  consumed: false
}

t.test('a flood of challenges cannot evict counters and marks', async (t) => {
  const clock = new Clock()
  clock.travel(1_000_000)
  const store = new MemoryStore({ maxChallenges: 10, maxEntries: 10, clock })
  await store.markOnce('lock:alice', 60_000)
  for (let i = 0; i < 100; i++) await store.createChallenge(`c${i}`, record, 60_000)
  t.equal(await store.ttl('lock:alice'), 60_000)
  t.equal(await store.getChallenge('c0'), undefined, 'the oldest challenges went')
  t.ok(await store.getChallenge('c99'))
})

// The attack of issue 16: one account fills the store (password step-up, spend on a singleUse
// route, repeat) until a victim's lock and a spent single-use token are pushed out. Security state
// is never evicted: once full, the flood is refused instead.
t.test('one account cannot push out another account\'s lock, failures or spent token: a full store refuses new state', async (t) => {
  const clock = new Clock()
  clock.travel(1_000_000)
  const store = new MemoryStore({ maxEntries: 20, clock })
  await store.markOnce('lock:victim', 900_000)
  await store.logAdd('failures:victim', 'g1', 10, 900_000)
  await store.markOnce('jti:spent', 300_000)
  let refused = 0
  for (let i = 0; i < 1000; i++) {
    const write = i % 3 === 0
      ? store.markOnce(`jti:attacker-${i}`, 300_000)
      : i % 3 === 1 ? store.logAdd('sends:attacker', `s${i}`, 1000, 3_600_000) : store.advance(`totp:attacker-${i}`, 1, 90_000)
    await write.catch((err: unknown) => {
      t.type(err, StoreFullError)
      t.equal((err as StoreFullError).code, 'FST_STEP_UP_STORE_FULL')
      refused++
    })
  }
  t.equal(refused, 1000 - 17, 'every write past the 20 entries was refused')
  t.equal(await store.ttl('lock:victim'), 900_000, 'the lock is still there')
  t.equal(await store.markOnce('jti:spent', 300_000), false, 'the spent token is still spent')
  t.same(await store.logAdd('failures:victim', 'g2', 1, 900_000), { count: 1, retryMs: 900_000 }, 'the failure is still counted')
  await t.rejects(store.logAdd('failures:newcomer', 'g1', 10, 900_000), StoreFullError, 'a new log is refused too, and nothing half-made')
  await store.logRemove('sends:attacker', 's1')
  t.same(await store.logAdd('failures:newcomer', 'g1', 10, 900_000), { count: 1, retryMs: 0 }, 'a removed entry made room')
})

t.test('expired state makes room again, and is swept only when that can help', async (t) => {
  const clock = new Clock()
  clock.travel(1_000_000)
  const store = new MemoryStore({ maxEntries: 3, clock })
  await store.markOnce('cooldown:a', 30_000)
  await store.markOnce('lock:a', 900_000)
  await store.logAdd('sends:a', 's1', 10, 60_000)
  await t.rejects(store.markOnce('cooldown:b', 30_000), StoreFullError)
  clock.advance(29_999)
  await t.rejects(store.markOnce('cooldown:b', 30_000), StoreFullError, 'nothing has expired yet')
  clock.advance(1)
  t.equal(await store.markOnce('cooldown:b', 30_000), true, 'the expired cooldown made room')
  await t.rejects(store.markOnce('cooldown:c', 30_000), StoreFullError)
  clock.advance(30_000)
  t.equal(await store.markOnce('cooldown:b', 30_000), true, 'an expired key is replaced in place, full or not')
  clock.advance(30_000)
  t.same(await store.logAdd('sends:a', 's2', 10, 60_000), { count: 1, retryMs: 0 }, 'a log that emptied takes new entries')
  await store.delete('lock:a')
  t.equal(await store.markOnce('cooldown:c', 30_000), true, 'a deleted mark made room')
  clock.advance(60_000)
  t.equal(await store.markOnce('a', 1), true)
  t.equal(await store.markOnce('b', 1), true)
  t.equal(await store.markOnce('c', 1), true, 'a sweep emptied the logs and marks that expired')
})

t.test('the default clock is the real one: the store tells the time by Date.now()', async (t) => {
  // Date.now() stands still here, and moves only when the test moves it: no sleeping.
  const realNow = Date.now
  t.teardown(() => { Date.now = realNow })
  let now = realNow()
  Date.now = () => now
  const store = new MemoryStore()
  await store.createChallenge('c', record, 60_000)
  await store.markOnce('m', 60_000)
  t.same(await store.logAdd('log', 'a', 1, 60_000), { count: 1, retryMs: 0 })
  t.equal(await store.ttl('m'), 60_000, 'a mark made now has all of its TTL left')
  now += 59_999
  t.equal(await store.ttl('m'), 1)
  t.ok(await store.getChallenge('c'), 'the challenge lives until its TTL has passed')
  t.same(await store.logAdd('log', 'b', 1, 60_000), { count: 1, retryMs: 1 }, 'the log is full for 1 ms more')
  now += 1
  t.equal(await store.ttl('m'), 0, 'the mark expired')
  t.equal(await store.getChallenge('c'), undefined, 'the challenge expired')
  t.same(await store.logAdd('log', 'b', 1, 60_000), { count: 1, retryMs: 0 }, 'the log emptied')
  t.equal(await store.markOnce('m', 60_000), true, 'the key is free again')
})
