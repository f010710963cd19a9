// MemoryStore: each operation's contract, with a clock the test moves.
import { Clock } from '@tapjs/clock'
import t from 'tap'
import { MemoryStore, type ChallengeRecord } from '../lib/index.js'

function setup (options: { maxChallenges?: number, maxEntries?: number } = {}) {
  const clock = new Clock()
  clock.travel(1_000_000)
  return { clock, store: new MemoryStore({ ...options, clock }) }
}

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

t.test('challenges round-trip unchanged and are copies', async (t) => {
  const { store } = setup()
  const given = { ...record }
  await store.createChallenge('c1', given, 1000)
  given.attempts = 99
  const got = await store.getChallenge('c1')
  t.same(got, record)
  got!.consumed = true
  t.same(await store.getChallenge('c1'), record, 'changing a returned value changes nothing stored')
  t.equal(await store.getChallenge('nope'), undefined)
})

t.test('a challenge is gone exactly when its TTL ends', async (t) => {
  const { store, clock } = setup()
  await store.createChallenge('c1', record, 1000)
  clock.advance(999)
  t.ok(await store.getChallenge('c1'))
  clock.advance(1)
  t.equal(await store.getChallenge('c1'), undefined)
  t.equal(await store.countAttempt('c1'), undefined)
  t.equal(await store.consumeChallenge('c1'), false)
})

t.test('countAttempt adds one each call and keeps the TTL', async (t) => {
  const { store, clock } = setup()
  await store.createChallenge('c1', record, 1000)
  t.equal((await store.countAttempt('c1'))!.attempts, 1)
  clock.advance(600)
  t.equal((await store.countAttempt('c1'))!.attempts, 2)
  clock.advance(400)
  t.equal(await store.countAttempt('c1'), undefined, 'counting did not extend the life')
})

t.test('consumeChallenge is true once', async (t) => {
  const { store } = setup()
  await store.createChallenge('c1', record, 1000)
  const results = await Promise.all([store.consumeChallenge('c1'), store.consumeChallenge('c1'), store.consumeChallenge('c1')])
  t.same(results, [true, false, false])
  t.equal((await store.getChallenge('c1'))!.consumed, true)
  await store.deleteChallenge('c1')
  t.equal(await store.getChallenge('c1'), undefined)
})

t.test('increment counts within a fixed window that starts at the first increment', async (t) => {
  const { store, clock } = setup()
  t.equal(await store.increment('k', 1000), 1)
  clock.advance(500)
  t.equal(await store.increment('k', 1000), 2)
  t.equal(await store.ttl('k'), 500, 'later increments do not move the window')
  clock.advance(500)
  t.equal(await store.increment('k', 1000), 1, 'a new window starts fresh')
  await store.delete('k')
  t.equal(await store.ttl('k'), 0)
})

t.test('markOnce is true only for the call that set it, until the mark expires', async (t) => {
  const { store, clock } = setup()
  t.same(await Promise.all([store.markOnce('m', 1000), store.markOnce('m', 1000)]), [true, false])
  t.equal(await store.ttl('m'), 1000)
  clock.advance(1000)
  t.equal(await store.ttl('m'), 0)
  t.equal(await store.markOnce('m', 1000), true)
})

t.test('a flood of challenges cannot evict counters and marks', async (t) => {
  const { store } = setup({ maxChallenges: 10, maxEntries: 10 })
  await store.markOnce('lock:alice', 60_000)
  for (let i = 0; i < 100; i++) await store.createChallenge(`c${i}`, record, 60_000)
  t.equal(await store.ttl('lock:alice'), 60_000)
  t.equal(await store.getChallenge('c0'), undefined, 'the oldest challenges went')
  t.ok(await store.getChallenge('c99'))
})

t.test('the default clock is the real one', async (t) => {
  const store = new MemoryStore()
  await store.createChallenge('c', record, 60_000)
  t.ok(await store.getChallenge('c'))
})
