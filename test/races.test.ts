// Races through the whole app: many requests at once on one challenge or one user. The same
// scenarios run on Fastify and on Express, each on MemoryStore (made slow, so requests interleave
// between every store call, as they do over a network), on a real Redis and on a Redis Cluster.
// Each runs twice: through the primitives, observed (the composite operations hidden, so the race
// is at its worst between the steps they join), and through the store's own composite operations
// as the plugin uses them (one Lua script each on Redis), judged by the replies alone.
import type { Clock } from '@tapjs/clock'
import t, { type Test } from 'tap'
import { MemoryStore, RedisStore, type LogResult, type StepUpStore } from '../lib/index.js'
import { as, buildApp, frameworks, sendCode, type BuildOptions, type Framework, type TestApp } from './helpers/app.js'
import { connect, redisSkipReason, sharedRedisUrl, uniquePrefix } from './helpers/redis.js'
import { clusterSkipReason, startRedisCluster } from './helpers/redis-cluster.js'
import { isComposite, slowStore } from './helpers/stores.js'

const N = 200

type StoreFactory = (clock: Clock) => StepUpStore

interface Observed {
  store: StepUpStore
  /** Every store call's operation, first argument and result, in the order they resolved. */
  calls: Array<{ operation: string, key: unknown, result: unknown }>
}

/**
 * Passes every call through to `store` and records what it answered. The first `hold` reads of a
 * challenge wait for one another: every racing request has passed the engine's early checks
 * (consumed? out of attempts?) before any of them counts a guess, which is the race at its worst,
 * whatever order the requests arrive in.
 */
function observe (store: StepUpStore, hold: number): Observed {
  const calls: Observed['calls'] = []
  const held: Array<() => void> = []
  const observed = new Proxy(store, {
    get (target, name) {
      // The primitives only: the race at its worst is between the steps a composite operation joins.
      if (isComposite(name)) return undefined
      const value = Reflect.get(target, name)
      if (typeof value !== 'function') return value
      return async (...args: unknown[]) => {
        const result = await value.apply(target, args)
        if (name === 'getChallenge' && hold > 0) {
          hold--
          const released = new Promise<void>((resolve) => held.push(resolve))
          if (hold === 0) for (const release of held) release()
          await released
        }
        calls.push({ operation: String(name), key: args[0], result })
        return result
      }
    }
  })
  return { store: observed, calls }
}

/** How a scenario reaches the store: its primitives, observed; or its composite operations, as they are. */
type Path = 'primitives' | 'composites'

/** Builds the app on the store; through the primitives, `observed.calls` fills as the test runs. */
async function raceApp (t: Test, framework: Framework, createStore: StoreFactory, path: Path, plugin: BuildOptions['plugin']) {
  const observed: Observed = { store: undefined as never, calls: [] }
  const testApp = await buildApp(t, {
    framework,
    plugin,
    store: (clock) => {
      if (path === 'composites') return createStore(clock)
      Object.assign(observed, observe(createStore(clock), N))
      return observed.store
    }
  })
  return { testApp, observed }
}

function verify ({ app }: TestApp, challengeId: string, code: string, session = 's1') {
  return app.inject({ method: 'POST', url: '/step-up/email/verify', headers: as('alice', session), payload: { challengeId, code } })
}

/** What the user's failure log answered each guess counted against it, in the order they resolved. */
function failureLog (observed: Observed): LogResult[] {
  return observed.calls.filter((c) => c.operation === 'logAdd' && String(c.key).startsWith('failures:')).map((c) => c.result as LogResult)
}

function range (n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1)
}

/** A code that is surely wrong for `code`. */
function wrong (code: string): string {
  return code.replace(/^./, (d) => String((Number(d) + 1) % 10))
}

function scenarios (t: Test, framework: Framework, createStore: StoreFactory, path: Path): void {
  const observing = path === 'primitives'
  t.test(`${N} concurrent verifies of the right code give exactly one token`, async (t) => {
    const { testApp, observed } = await raceApp(t, framework, createStore, path, { lockout: { maxFailures: 100 } })
    const { challengeId, code } = await sendCode(testApp, 'alice', 'alice@example.com')
    const replies = await Promise.all(Array.from({ length: N }, () => verify(testApp, challengeId, code)))
    const tokens = replies.filter((r) => r.statusCode === 200).map((r) => r.json().token)
    t.equal(tokens.length, 1, 'one token')
    const refused = replies.filter((r) => r.statusCode !== 200).map((r) => r.json().code)
    if (!observing) {
      // Without the held reads, a racer may also find the challenge consumed before it counts a guess.
      t.same([...new Set(refused)].filter((c) => !['FST_STEP_UP_CODE_USED', 'FST_STEP_UP_ATTEMPTS_EXHAUSTED', 'FST_STEP_UP_LOCKED'].includes(c)), [],
        'every other racer is told the code was used, or is over a cap')
    } else {
      const consumed = observed.calls.filter((c) => c.operation === 'consumeChallenge').map((c) => c.result)
      t.same(consumed.sort(), [false, false, false, false, true], 'five guesses compared, all right; one consumed the challenge')
      // A refused guess that fills the per-user log sets the lock, whatever refused it (here: it lost
      // the race to consume, or was over the attempt cap); the winner never does.
      const lockSet = observed.calls.some((c) => c.operation === 'markOnce' && c.key === 'lock:{alice}')
      const used = refused.filter((c) => c === 'FST_STEP_UP_CODE_USED').length
      t.ok(used === 4 || (used === 3 && lockSet), `four lost the race to consume (one told it is locked, if its guess filled the log): ${used}`)
      t.equal(refused.filter((c) => c === 'FST_STEP_UP_ATTEMPTS_EXHAUSTED' || c === 'FST_STEP_UP_LOCKED').length, N - 1 - used,
        'the rest were over the attempt cap or the per-user cap, and never compared')
      const failures = failureLog(observed)
      t.equal(refused.filter((c) => c === 'FST_STEP_UP_LOCKED').length, failures.filter((r) => r.retryMs > 0).length + (lockSet ? 1 : 0),
        'locked out the guesses that found the per-user log full, and the refused guess that filled it')
    }
    const document = await testApp.app.inject({ url: '/documents/1', headers: { ...as('alice'), 'x-step-up-token': tokens[0] } })
    t.equal(document.statusCode, 200, 'the token works')
  })

  t.test(`${N} concurrent wrong guesses: each counted once, and only the capped number compared`, async (t) => {
    const { testApp, observed } = await raceApp(t, framework, createStore, path, { lockout: { maxFailures: 100 } })
    const { challengeId, code } = await sendCode(testApp, 'alice', 'alice@example.com')
    const replies = await Promise.all(Array.from({ length: N }, () => verify(testApp, challengeId, wrong(code))))
    const codes = replies.map((r) => r.json().code)
    t.equal(codes.filter((c) => c === 'FST_STEP_UP_CODE_INVALID').length, 4, 'four wrong guesses told "invalid"')
    t.equal(codes.filter((c) => c === 'FST_STEP_UP_ATTEMPTS_EXHAUSTED' || c === 'FST_STEP_UP_LOCKED').length, N - 4,
      'the fifth and every later one refused (past 100 guesses by the per-user cap as well)')
    if (!observing) {
      t.match((await verify(testApp, challengeId, code)).json().code, /^FST_STEP_UP_(ATTEMPTS_EXHAUSTED|LOCKED)$/,
        'the right code is refused now: the challenge is out of attempts (or the user locked)')
      return
    }

    const failures = failureLog(observed)
    const added = failures.filter((r) => r.retryMs === 0).map((r) => r.count)
    t.same(added.sort((a, b) => a - b), range(100), 'the user failure log took 100 guesses, counting each from 1 to 100 once')
    t.equal(failures.length - added.length, N - 100, 'the other guesses found it full')
    const counted = observed.calls.filter((c) => c.operation === 'countAttempt').map((c) => (c.result as { attempts: number }).attempts)
    t.same(counted.sort((a, b) => a - b), range(100), 'the 100 guesses within the per-user cap were counted on the challenge, each once')
    // The engine compares a code only when countAttempt says the guess is within the attempt cap.
    t.equal(counted.filter((attempts) => attempts <= 5).length, 5, 'exactly five guesses were compared')
    // A compared guess locks the user only if it was the 100th failure; else the user is not locked.
    const locked = observed.calls.some((c) => c.operation === 'markOnce' && c.key === 'lock:{alice}')
    t.equal((await verify(testApp, challengeId, code)).json().code, locked ? 'FST_STEP_UP_LOCKED' : 'FST_STEP_UP_ATTEMPTS_EXHAUSTED',
      'the right code is refused now: the challenge is out of attempts (the user locked, if the race locked them)')
  })

  t.test(`${N} concurrent guesses across challenges: the per-user cap holds exactly`, async (t) => {
    const { testApp } = await raceApp(t, framework, createStore, path, { lockout: { maxFailures: 7 }, codes: { resendCooldown: 1 } })
    const challenges: Array<{ challengeId: string, code: string, session: string }> = []
    for (const session of ['a', 'b', 'c', 'd']) {
      challenges.push({ ...await sendCode(testApp, 'alice', 'alice@example.com', session), session })
      testApp.clock.advance(1)
    }
    const replies = await Promise.all(Array.from({ length: N }, (_, i) => {
      const { challengeId, code, session } = challenges[i % challenges.length]!
      return verify(testApp, challengeId, wrong(code), session)
    }))
    const codes = replies.map((r) => r.json().code)
    t.equal(codes.filter((c) => c !== 'FST_STEP_UP_LOCKED').length, 6, 'six compared and refused; the seventh locks; the rest never compared')
    t.equal(codes.filter((c) => c === 'FST_STEP_UP_LOCKED').length, N - 6)
  })
}

function onEveryFramework (t: Test, createStore: StoreFactory, path: Path): void {
  for (const framework of frameworks) t.test(`${framework}, through the ${path}`, async (t) => scenarios(t, framework, createStore, path))
}

t.test('MemoryStore', async (t) => {
  onEveryFramework(t, (clock) => slowStore(clock).store, 'primitives')
  // Its composite operations run whole, with no pause between their steps: atomic in one process.
  onEveryFramework(t, (clock) => new MemoryStore({ clock }), 'composites')
})

t.test('RedisStore', { skip: redisSkipReason() }, async (t) => {
  const client = await connect(t, await sharedRedisUrl(t))
  for (const path of ['primitives', 'composites'] as const) {
    onEveryFramework(t, (clock) => new RedisStore({ client, prefix: uniquePrefix(), clock }), path)
  }
})

// Three masters with a replica each. A user's keys (cooldown, send log, lock, failure log and
// challenges) share the user's hash tag, so one slot: the scenarios' keys, all alice's, are on one
// master, where a composite operation can use them together.
// On Fastify only: the adapters call the store alike, which the sections above show.
t.test('RedisStore on a Redis Cluster', { skip: clusterSkipReason() }, async (t) => {
  const cluster = await startRedisCluster(t)
  const client = await cluster.connect(t)
  for (const path of ['primitives', 'composites'] as const) {
    t.test(`fastify, through the ${path}`, async (t) => scenarios(t, 'fastify', (clock) => new RedisStore({ client, prefix: uniquePrefix(), clock }), path))
  }
  t.test("the scenarios put the user's keys on one master", async (t) => {
    const keys = await cluster.keysPerMaster('step-up-test:*')
    t.equal(keys.size, 3)
    t.equal([...keys.values()].filter((count) => count > 0).length, 1, `one master holds them all: ${[...keys.values()].join(', ')}`)
  })
})
