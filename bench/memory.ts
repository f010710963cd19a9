// Memory held per pending challenge in a MemoryStore holding 100,000 of them (its default cap).
// Run with --expose-gc (run.ts does): the figure is the heapUsed difference, after full
// collections, between before the store was made and after it was filled, over the count, so the
// store's fixed structures are shared out over the challenges.
//  - "record": the store's own cost, createChallenge with records shaped as the engine makes them;
//  - "send": everything a send leaves behind, through the engine with distinct users: the
//    challenge plus its resend-cooldown mark and the user's send counter.
import { setUpStepUp } from '../lib/setup.js'
import { MemoryStore, type ChallengeRecord } from '../lib/index.js'
import { randomId } from '../lib/core/secrets.js'
import { SECRET, dropTransport, makeUsers, toParent, type MemoryResult } from './shared.js'

const COUNT = 100_000
const TEN_MINUTES = 10 * 60 * 1000

const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc')

function heapAfterGc (): number {
  for (let i = 0; i < 4; i++) gc!()
  return process.memoryUsage().heapUsed
}

// Made before any baseline: the users belong to the app, not to the store.
const users = makeUsers(COUNT)
const ids = Array.from({ length: COUNT }, () => randomId())
const results: MemoryResult[] = []
const keep: unknown[] = []

async function measure (label: string, fill: () => Promise<unknown>): Promise<void> {
  const before = heapAfterGc()
  keep.push(await fill())
  const heapDelta = heapAfterGc() - before
  results.push({ label, count: COUNT, heapDelta, bytesPer: heapDelta / COUNT })
  keep.length = 0
}

await measure('record', async () => {
  const store = new MemoryStore()
  const now = Date.now()
  for (let i = 0; i < COUNT; i++) {
    const user = users[i]!
    const record: ChallengeRecord = {
      userId: user.id,
      sessionId: user.sessionId,
      method: 'email',
      destination: user.emails![0]!,
      codeHash: randomId() + randomId().slice(0, 21), // 43 characters, as a base64url SHA-256 HMAC
      attempts: 0,
      expiresAt: now + TEN_MINUTES / 2,
      consumed: false
    }
    await store.createChallenge(ids[i]!, record, TEN_MINUTES)
  }
  return store
})

await measure('send', async () => {
  // Room for every user's cooldown mark and send counter, so nothing is evicted.
  const store = new MemoryStore({ maxEntries: 2 * COUNT })
  const { engine, close } = setUpStepUp({
    secret: SECRET,
    getUser: () => null,
    store,
    email: { from: 'bench@example.com', transport: dropTransport() }
  })
  for (let i = 0; i < COUNT; i++) {
    const user = users[i]!
    await engine.startChallenge('email', user, { destination: user.emails![0]! })
  }
  close()
  return { store, engine }
})

toParent({ type: 'memory', results })
process.exit(0)
