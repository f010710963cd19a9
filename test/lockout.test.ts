// The guessing budget holds whatever the attacker already knows (issue 16, points 1 to 3). The
// attacker holds Alice's session and knows her password, one backup code and her authenticator
// secret, and guesses her PIN, her answers, other backup codes and authenticator codes, in random
// interleavings with right answers, concurrent bursts and clock moves, on both frameworks and both
// stores. The oracle is the app's own callbacks: every answer the app was asked to compare is
// recorded with the clock's time, so the test counts comparisons, not replies.
import type { Clock } from '@tapjs/clock'
import fc from 'fast-check'
import { generate } from 'otplib'
import t, { type Test } from 'tap'
import { MemoryStore, RedisStore, type StepUpEvent, type StepUpOptions, type StepUpStore, type StepUpUser } from '../lib/index.js'
import { ALICE, as, buildApp, frameworks, type Framework, type TestApp } from './helpers/app.js'
import { connect, redisSkipReason, sharedRedisUrl, uniquePrefix } from './helpers/redis.js'

const MAX_FAILURES = 4
const WINDOW = 15 * 60_000
const KNOWLEDGE_MAX = 3
const BACKUP_CODE = 'ABCD-EFGH-JKLM' // the one backup code the attacker knows (it works once)

type StoreFactory = (clock: Clock) => StepUpStore
type Knowledge = 'password' | 'pin' | 'security-questions'

/** What the app was asked to compare: when, which method, and whether the answer was right. */
interface Comparison { at: number, method: string, right: boolean }

/** The app's side of every method Alice has, recording each comparison it is asked to make. */
function recordingMethods (clock: Clock, compared: Comparison[]): Partial<StepUpOptions<unknown>> {
  const record = (method: string, right: boolean): boolean => {
    compared.push({ at: clock.now(), method, right })
    return right
  }
  let backupCodeLeft = true
  return {
    password: { verify: (_user, password) => record('password', password === ALICE.password) },
    pin: { verify: (_user, pin) => record('pin', pin === ALICE.pin) },
    securityQuestions: {
      getQuestions: () => [{ id: 'pet', question: "Your first pet's name?" }],
      verifyAnswer: (_user, _question, answer) => record('security-questions', answer === ALICE.answers.pet)
    },
    backupCodes: {
      consume: (_user: StepUpUser, hash: string) => {
        const right = backupCodeLeft && hash === hashOf(BACKUP_CODE)
        if (right) backupCodeLeft = false
        return record('backup-code', right)
      }
    },
    // The authenticator check runs in the plugin: a comparison is each time it asks for the secret.
    totp: { getSecret: () => { compared.push({ at: clock.now(), method: 'totp', right: false }); return ALICE.totpSecret } }
  }
}

let hashOf: (code: string) => string
const ready = import('../lib/methods/backup-code/enroll.js').then(({ hashBackupCode }) => { hashOf = hashBackupCode })

/** One request of the attacker, or a move of the clock. */
type Step =
  | { kind: 'right' | 'wrong', method: Knowledge | 'backup-code' | 'totp' }
  | { kind: 'clock', ms: number }

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('wrong' as const), method: fc.constantFrom('password', 'pin', 'security-questions', 'backup-code', 'totp') as fc.Arbitrary<Knowledge | 'backup-code' | 'totp'> }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('right' as const), method: fc.constantFrom('password', 'pin', 'security-questions', 'backup-code', 'totp') as fc.Arbitrary<Knowledge | 'backup-code' | 'totp'> }) },
  // Small moves, moves to just before or after a window's edge, and long ones.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clock' as const), ms: fc.oneof(fc.integer({ min: 1, max: 60_000 }), fc.constantFrom(WINDOW - 1, WINDOW, WINDOW + 1, 60_000 - 1, 30_000), fc.integer({ min: 1, max: 2 * WINDOW })) }) }
)

/** The request body of a right or wrong answer, for methods whose answer is fixed. */
function answer (step: Extract<Step, { method: string }>, nonce: number): Record<string, unknown> {
  const right = step.kind === 'right'
  switch (step.method) {
    case 'password': return { password: right ? ALICE.password : `guess-${nonce}` }
    case 'pin': return { pin: right ? ALICE.pin : String(1000 + (nonce % 9000)).replace(ALICE.pin, '1357') }
    case 'security-questions': return { answers: [{ questionId: 'pet', answer: right ? ALICE.answers.pet : `guess ${nonce}` }] }
    case 'backup-code': return { code: right ? BACKUP_CODE : 'ZZZZ-ZZZZ-ZZZZ' }
    case 'totp': return { code: '000000' } // the right one is computed in attempt()
  }
}

/** Wrong comparisons, and knowledge-factor step-ups, within their caps in every window: why not, or undefined. */
function checkWindows (compared: Comparison[], tokens: Array<{ at: number, method: string }>): string | undefined {
  // A right authenticator code is told apart by the reply (the app cannot see the code): each
  // token made by TOTP turns one of that instant's TOTP comparisons into a right one.
  const wrong = compared.filter((c) => !c.right).map((c) => c.at)
  for (const token of tokens.filter((x) => x.method === 'totp')) {
    const i = wrong.indexOf(token.at)
    if (i >= 0) wrong.splice(i, 1)
  }
  const knowledge = tokens.filter((x) => ['password', 'pin', 'security-questions'].includes(x.method)).map((x) => x.at)
  return inEveryWindow(wrong, MAX_FAILURES, 'wrong answers compared') ?? inEveryWindow(knowledge, KNOWLEDGE_MAX, 'knowledge-factor tokens')
}

/** At most `max` of `times` in any half-open interval [start, start + WINDOW); else why not. */
function inEveryWindow (times: number[], max: number, what: string): string | undefined {
  const sorted = [...times].sort((a, b) => a - b)
  for (const start of sorted) {
    const within = sorted.filter((at) => at >= start && at < start + WINDOW).length
    if (within > max) return `${within} ${what} in the ${WINDOW / 60_000} minutes from ${new Date(start).toISOString()} (cap ${max})`
  }
  return undefined
}

async function attackApp (t: Test, framework: Framework, createStore: StoreFactory, events: StepUpEvent[] = []) {
  const compared: Comparison[] = []
  let clockRef: Clock | undefined
  const testApp = await buildApp(t, {
    framework,
    store: (clock) => { clockRef = clock; return createStore(clock) },
    plugin: {
      lockout: { maxFailures: MAX_FAILURES, window: WINDOW, duration: '1m' },
      knowledgeLimit: { max: KNOWLEDGE_MAX, window: WINDOW },
      onEvent: (event) => { events.push(event) },
      ...recordingMethods({ now: () => clockRef!.now() } as Clock, compared)
    }
  })
  return { testApp, compared }
}

async function attempt (testApp: TestApp, step: Extract<Step, { method: string }>, nonce: number) {
  // The attacker knows the authenticator secret: the code for the test clock's time.
  const payload = step.method === 'totp' && step.kind === 'right'
    ? { code: await generate({ secret: ALICE.totpSecret, epoch: Math.floor(testApp.clock.now() / 1000) }) }
    : answer(step, nonce)
  return testApp.app.inject({ method: 'POST', url: `/step-up/${step.method}/verify`, headers: as('alice'), payload })
}

function scenarios (t: Test, framework: Framework, createStore: StoreFactory): void {
  t.test('a right password between wrong authenticator codes gives none of them back', async (t) => {
    // The attack found on main: a route asks for TOTP, the attacker knows the password.
    const { testApp } = await attackApp(t, framework, createStore)
    for (let i = 0; i < MAX_FAILURES - 1; i++) {
      t.equal((await attempt(testApp, { kind: 'wrong', method: 'totp' }, i)).json().code, 'FST_STEP_UP_CODE_INVALID')
      t.equal((await attempt(testApp, { kind: 'right', method: 'password' }, i)).statusCode, 200, 'the attacker knows the password')
    }
    const last = await attempt(testApp, { kind: 'wrong', method: 'totp' }, 99)
    t.equal(last.json().code, 'FST_STEP_UP_LOCKED', 'the fourth wrong code locks, passwords or not')
    t.equal((await attempt(testApp, { kind: 'right', method: 'totp' }, 0)).json().code, 'FST_STEP_UP_LOCKED', 'even the right code is not compared now')
  })

  t.test('a right authenticator code or backup code gives back only its own guess', async (t) => {
    const { testApp } = await attackApp(t, framework, createStore)
    t.equal((await attempt(testApp, { kind: 'wrong', method: 'pin' }, 1)).statusCode, 400)
    t.equal((await attempt(testApp, { kind: 'right', method: 'totp' }, 0)).statusCode, 200)
    t.equal((await attempt(testApp, { kind: 'wrong', method: 'security-questions' }, 2)).statusCode, 400)
    t.equal((await attempt(testApp, { kind: 'right', method: 'backup-code' }, 0)).statusCode, 200)
    t.equal((await attempt(testApp, { kind: 'wrong', method: 'totp' }, 3)).statusCode, 400)
    const fourth = await attempt(testApp, { kind: 'wrong', method: 'password' }, 4)
    t.equal(fourth.json().code, 'FST_STEP_UP_LOCKED', 'four failures of four methods, two successes between: locked')
  })

  t.test('a replayed code that fills the failure log locks, as a wrong one would', async (t) => {
    // Before, only a wrong answer set the lock: a replay (refused, and counted) could be the guess
    // that filled the log, and the attacker then waited for the window to slide, not for the lock.
    const { testApp } = await attackApp(t, framework, createStore)
    for (let i = 0; i < MAX_FAILURES - 1; i++) t.equal((await attempt(testApp, { kind: 'wrong', method: 'totp' }, i)).statusCode, 400)
    t.equal((await attempt(testApp, { kind: 'right', method: 'totp' }, 0)).statusCode, 200, 'the right code gives its own guess back')
    const replay = await attempt(testApp, { kind: 'right', method: 'totp' }, 0)
    t.equal(replay.json().code, 'FST_STEP_UP_LOCKED', 'the same code again is refused, counted, and fills the log: locked')
    t.equal(replay.headers['retry-after'], '60', 'for the lock\'s duration')
    testApp.clock.advance(59_000)
    t.equal((await attempt(testApp, { kind: 'right', method: 'password' }, 1)).json().code, 'FST_STEP_UP_LOCKED', 'every method')
  })

  t.test('knowledge-factor step-ups are rate limited: a known password is no unlimited token mint', async (t) => {
    const { testApp } = await attackApp(t, framework, createStore)
    const methods: Knowledge[] = ['password', 'pin', 'security-questions']
    for (const [i, method] of methods.entries()) {
      t.equal((await attempt(testApp, { kind: 'right', method }, i)).statusCode, 200, `${method} step-up ${i + 1} of ${KNOWLEDGE_MAX}`)
      testApp.clock.advance(60_000)
    }
    const over = await attempt(testApp, { kind: 'right', method: 'password' }, 9)
    t.equal(over.statusCode, 429)
    t.equal(over.json().code, 'FST_STEP_UP_VERIFY_LIMIT')
    t.equal(over.headers['retry-after'], String((WINDOW - 3 * 60_000) / 1000), 'until the first of them leaves the window')
    t.equal((await attempt(testApp, { kind: 'wrong', method: 'password' }, 10)).json().code, 'FST_STEP_UP_VERIFY_LIMIT',
      'a guess is refused unchecked too, and costs no failure')
    t.equal((await attempt(testApp, { kind: 'right', method: 'totp' }, 0)).statusCode, 200, 'possession factors are not limited by it')
    testApp.clock.advance(WINDOW - 3 * 60_000)
    t.equal((await attempt(testApp, { kind: 'right', method: 'password' }, 11)).statusCode, 200, 'one slot came back')
    t.equal((await attempt(testApp, { kind: 'right', method: 'password' }, 12)).json().code, 'FST_STEP_UP_VERIFY_LIMIT', 'and only one')
    // Wrong answers never took a slot: four failures remain possible before the lock.
    testApp.clock.advance(WINDOW)
    for (let i = 0; i < MAX_FAILURES - 1; i++) t.equal((await attempt(testApp, { kind: 'wrong', method: 'password' }, 20 + i)).statusCode, 400)
    t.equal((await attempt(testApp, { kind: 'right', method: 'password' }, 30)).statusCode, 200, 'wrong answers did not use up the limit')
  })

  t.test('the window slides: no doubling at its edge', async (t) => {
    const { testApp, compared } = await attackApp(t, framework, createStore)
    t.equal((await attempt(testApp, { kind: 'wrong', method: 'pin' }, 1)).statusCode, 400, 'one failure at the start')
    testApp.clock.advance(WINDOW - 1)
    for (let i = 2; i < MAX_FAILURES; i++) t.equal((await attempt(testApp, { kind: 'wrong', method: 'pin' }, i)).statusCode, 400)
    t.equal((await attempt(testApp, { kind: 'wrong', method: 'pin' }, 9)).json().code, 'FST_STEP_UP_LOCKED', 'the cap, one ms before the edge')
    // A fixed window would start afresh here, and the lock (1 minute) is over soon after.
    testApp.clock.advance(60_001)
    const before = compared.length
    t.equal((await attempt(testApp, { kind: 'wrong', method: 'pin' }, 10)).json().code, 'FST_STEP_UP_LOCKED')
    t.equal(compared.length, before + 1, 'the first failure left the window: one more guess was compared (and locks again)')
    testApp.clock.advance(60_001)
    const refused = await attempt(testApp, { kind: 'wrong', method: 'pin' }, 11)
    t.equal(refused.json().code, 'FST_STEP_UP_LOCKED', 'the lock is over, but the other failures are still within 15 minutes')
    t.equal(compared.length, before + 1, 'so this guess was not compared')
    t.equal(refused.headers['retry-after'], String(Math.ceil((WINDOW - 120_002) / 1000)), 'until the next one leaves the window')
    t.equal(checkWindows(compared, []), undefined)
  })

  t.test('random interleavings, bursts and clock moves never get past either cap', async (t) => {
    let comparisons = 0
    await fc.assert(fc.asyncProperty(
      fc.array(fc.array(stepArb, { minLength: 1, maxLength: 3 }), { minLength: 5, maxLength: 30 }),
      async (bursts) => {
        const { testApp, compared } = await attackApp(t, framework, createStore)
        const tokens: Array<{ at: number, method: string }> = []
        let nonce = 0
        for (const burst of bursts) {
          const requests = burst.filter((step): step is Extract<Step, { method: string }> => step.kind !== 'clock')
          const at = testApp.clock.now()
          // A burst's requests race one another; clock moves come between bursts.
          const replies = await Promise.all(requests.map((step) => attempt(testApp, step, nonce++)))
          for (const [i, reply] of replies.entries()) {
            if (![200, 400, 429].includes(reply.statusCode)) throw new Error(`a ${reply.statusCode}: ${reply.body}`)
            if (reply.statusCode === 200) tokens.push({ at, method: requests[i]!.method })
          }
          for (const step of burst) if (step.kind === 'clock') testApp.clock.advance(step.ms)
        }
        comparisons += compared.length
        const broken = checkWindows(compared, tokens)
        if (broken) throw new Error(broken)
      }
    ), { numRuns: Number(process.env.STEP_UP_FUZZ_RUNS ?? 12) })
    t.ok(comparisons > 0, `${comparisons} answers compared, every window within both caps`)
  })
}

// Issue 16's eviction attack, through the app: other accounts step up with their passwords and
// spend the tokens on a single-use route until the store is full. The victim's lock and every
// spent token stay; what does not fit is refused with a 503 and a store.full event.
function fullStore (t: Test, framework: Framework): void {
  t.test('a full MemoryStore refuses new work (503, store.full) and forgets nothing', async (t) => {
    const events: StepUpEvent[] = []
    const testApp = await buildApp(t, {
      framework,
      store: (clock) => new MemoryStore({ clock, maxEntries: 12 }),
      routes: [{ url: '/pay', requirement: { singleUse: true } }],
      plugin: {
        lockout: { maxFailures: MAX_FAILURES, window: WINDOW },
        password: { verify: (_user, password) => password === ALICE.password },
        onEvent: (event) => { events.push(event) }
      }
    })
    const step = (user: string, password: string) =>
      testApp.app.inject({ method: 'POST', url: '/step-up/password/verify', headers: as(user), payload: { password } })
    for (let i = 0; i < MAX_FAILURES; i++) await step('alice', `wrong ${i}`)
    t.equal((await step('alice', ALICE.password)).json().code, 'FST_STEP_UP_LOCKED', 'alice is locked: a lock and 4 failures stored')

    const spent: string[] = []
    const statuses: number[] = []
    for (const user of ['bob', 'carol', 'dave', 'frank', 'grace', 'bob', 'carol', 'dave']) {
      const reply = await step(user, ALICE.password)
      statuses.push(reply.statusCode)
      if (reply.statusCode !== 200) continue
      const pay = await testApp.app.inject({ url: '/pay', headers: { ...as(user), 'x-step-up-token': reply.json().token } })
      statuses.push(pay.statusCode)
      if (pay.statusCode === 200) spent.push(`${user} ${reply.json().token}`)
    }
    t.ok(statuses.includes(503), 'once full, new work was refused')
    t.ok(statuses.every((status) => status === 200 || status === 503), `only 200 or 503: ${statuses}`)
    t.ok(events.some((event) => event.type === 'store.full'), 'and a store.full event said so')
    t.ok(spent.length > 0)
    for (const entry of spent) {
      const [user, token] = entry.split(' ') as [string, string]
      const again = await testApp.app.inject({ url: '/pay', headers: { ...as(user), 'x-step-up-token': token } })
      t.not(again.statusCode, 200, 'a spent single-use token was not forgotten')
    }
    t.equal((await step('alice', ALICE.password)).json().code, 'FST_STEP_UP_LOCKED', 'alice is still locked')
  })
}

function onEveryFramework (t: Test, createStore: StoreFactory): void {
  for (const framework of frameworks) t.test(framework, async (t) => scenarios(t, framework, createStore))
}

t.before(async () => { await ready })

t.test('MemoryStore', async (t) => {
  onEveryFramework(t, (clock) => new MemoryStore({ clock }))
  for (const framework of frameworks) t.test(`${framework}: full`, async (t) => fullStore(t, framework))
})

t.test('RedisStore', { skip: redisSkipReason() }, async (t) => {
  const client = await connect(t, await sharedRedisUrl(t))
  onEveryFramework(t, (clock) => new RedisStore({ client, prefix: uniquePrefix(), clock }))
})
