// MemoryStore's own behaviour. The contract every store shares (TTLs, attempts, consume-once,
// mark-once, advance, races) is checked by the conformance suite in test/store-conformance.test.ts.
import { Clock } from '@tapjs/clock'
import t from 'tap'
import { MemoryStore, type ChallengeRecord } from '../lib/index.js'

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

t.test('the default clock is the real one', async (t) => {
  const store = new MemoryStore()
  await store.createChallenge('c', record, 60_000)
  t.ok(await store.getChallenge('c'))
})
