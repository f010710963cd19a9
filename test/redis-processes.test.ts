// Two app processes behind one Redis Cluster, as behind a load balancer, driven through a thousand
// interleaved step-up cycles from a seeded random sequence: sends, right and wrong codes to either
// process, the same code verified on both at once, single-use tokens spent on both at once, sends
// raced on both, bursts of wrong guesses that lock a user, and a clock both processes follow.
//
// Each process (test/helpers/process-app.ts) is a separate Node process with its own Fastify app,
// ioredis Cluster client and RedisStore; codes reach the test by mail (a real SMTP server). A model
// of each user predicts every answer from the policy (test/helpers/process-policy.ts): exactly where
// it can, and as a set of possible answers where a race leaves a count open (a guess refused before
// or after it was counted). Whatever the races do, these must hold:
//   - no challenge accepted twice, on either process;
//   - no single-use token let through twice, on either process;
//   - from a lock's start until its end (its Retry-After), no code sent and no token issued for the
//     user on either process; after it, the user steps up again;
//   - no more than codes.maxAttempts guesses compared per challenge, nor lockout.maxFailures - 1
//     wrong codes answered "invalid" per user in any lockout window, across both processes.
// STEP_UP_PROCESSES_SEED picks another sequence; every failure names the seed and the step.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { Agent } from 'node:http'
import { createInterface } from 'node:readline'
import t, { type Test } from 'tap'
import { seeded } from '../lib/stores/seeded.js'
import { httpCall } from './helpers/http.js'
import { clusterSkipReason, startRedisCluster } from './helpers/redis-cluster.js'
import { uniquePrefix } from './helpers/redis.js'
import { PROCESS_APP_POLICY as POLICY, addressesOf } from './helpers/process-policy.js'
import { codeIn, startMailbox, type Mailbox } from './helpers/smtp.js'
import { baseEnv, root } from './helpers/spawn.js'

// About 25 s on a busy two-core machine: the file's 60 s leaves too little room on a slower one.
t.setTimeout(120_000)

const SEED = Number(process.env.STEP_UP_PROCESSES_SEED ?? 22)
/** Codes sent (202) before the run ends. */
const CYCLES = 1000
const START_MS = Date.UTC(2026, 0, 1)
/** Virtual time between two steps: above the 1 ms resend cooldown, far below every other limit. */
const STEP_MS = 2000
/** A jump past every lock, failure window, code and token: the model is exact again after it. */
const LONG_JUMP_MS = POLICY.lockoutMs + 60_000
/** A jump past a code's life but not a lock's. */
const SHORT_JUMP_MS = POLICY.codeTtlMs + 60_000

type Outcome = string
const OK = '200'
const SENT = '202'
const LOCKED = 'FST_STEP_UP_LOCKED'
const INVALID = 'FST_STEP_UP_CODE_INVALID'
const EXHAUSTED = 'FST_STEP_UP_ATTEMPTS_EXHAUSTED'
const USED = 'FST_STEP_UP_CODE_USED'
const EXPIRED = 'FST_STEP_UP_CODE_EXPIRED'
const NOT_FOUND = 'FST_STEP_UP_CHALLENGE_NOT_FOUND'
const TOO_SOON = 'FST_STEP_UP_RESEND_TOO_SOON'
const TOKEN_USED = 'FST_STEP_UP_TOKEN_USED'

interface Reply { outcome: Outcome, retryAfter: number | undefined, body: any }

/** One app process, reached over HTTP on loopback. */
interface AppProcess {
  name: 'A' | 'B'
  port: number
}

async function startProcess (t: Test, name: 'A' | 'B', env: Record<string, string>): Promise<AppProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/process-app.ts'], {
    cwd: root,
    env: { ...baseEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const exited = once(child, 'exit')
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    process.kill(child.pid!, 'SIGTERM')
    // It closes its app first; one that hangs there is killed, by its pid.
    const stuck = setTimeout(() => process.kill(child.pid!, 'SIGKILL'), 5000)
    await exited
    clearTimeout(stuck)
  })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^listening (\d+)$/.exec(line)
      if (match) resolve(Number(match[1]))
    })
    exited.then(([code, signal]) => reject(new Error(`process ${name} exited (${code ?? signal}) before it listened:\n${stderr}`)), reject)
  })
  return { name, port }
}

/** Keep-alive connections to both processes: a load balancer's, and cheaper for the test than fetch. */
const agent = new Agent({ keepAlive: true, maxSockets: 32 })

async function call (to: AppProcess, method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: unknown): Promise<Reply> {
  const reply = await httpCall(to.port, agent, method, url, headers, payload)
  const parsed = JSON.parse(reply.body.toString()) as any
  const retryAfter = reply.headers['retry-after']
  return {
    outcome: reply.status < 300 ? String(reply.status) : String(parsed.code),
    retryAfter: retryAfter === undefined ? undefined : Number(retryAfter),
    body: parsed
  }
}

/** The codes of a shared mailbox, by address: each send's code is taken once, by the user it went to. */
function mailByAddress (mailbox: Mailbox) {
  let read = 0
  const waiting = new Map<string, string[]>()
  return (address: string): string => {
    for (; read < mailbox.messages.length; read++) {
      const to = mailbox.envelopes[read]!.to[0]!
      waiting.set(to, [...waiting.get(to) ?? [], codeIn(mailbox.messages[read]!)])
    }
    const code = waiting.get(address)?.shift()
    // The mailbox has the message before the SMTP server answers, and the process answers 202 after that.
    if (code === undefined) throw new Error(`a send to ${address} answered 202, but no mail reached it`)
    return code
  }
}

interface Challenge {
  id: string
  code: string
  sentAt: number
  /** Guesses counted on it: at least, at most (a race can leave it open). */
  attempts: [number, number]
  consumed: boolean
  /** Answers compared: "invalid" and accepted, for the attempt cap. */
  invalid: number
  accepted: number
}

interface UserModel {
  id: string
  challenges: Challenge[]
  /** Tokens issued and not spent yet, with when. */
  tokens: Array<{ token: string, issuedAt: number }>
  spent: Array<{ token: string, issuedAt: number }>
  /** Guesses in the failure log: those surely counted, and those a race may have counted. */
  failures: Array<{ at: number, certain: boolean }>
  /**
   * Until then the lock surely stands (no send, no code accepted): seen on a send's Retry-After, or
   * set by the wrong guess that surely filled the log. A "locked" answer to a guess says less: it may
   * be a full failure log, which a guess in flight that then succeeds empties by one (a success
   * gives back its own guess), so it is no lock.
   */
  keyUntil: number
  /** Until then a lock may stand (a guess may have filled the log). */
  mayBeLockedUntil: number
  /** When each "invalid" answer came, for the per-user cap. */
  invalidAt: number[]
  /** In a lock burst: wrong guesses one at a time, on alternate processes, until the lock. */
  burst: boolean
  nextAddress: number
  /** What the user is doing, and its last requests: for a failure's message. */
  doing: string
  history: string[]
}

t.test('two app processes, one Redis Cluster: a thousand interleaved cycles keep every rule', { skip: clusterSkipReason() }, async (t) => {
  const started = performance.now()
  const cluster = await startRedisCluster(t)
  const mailbox = await startMailbox()
  t.teardown(() => mailbox.close())
  const env = {
    STEP_UP_CLUSTER_NODES: cluster.startupNodes.map(({ host, port }) => `${host}:${port}`).join(','),
    STEP_UP_PREFIX: uniquePrefix(),
    STEP_UP_SMTP_URL: mailbox.url,
    STEP_UP_START_MS: String(START_MS)
  }
  t.teardown(() => agent.destroy())
  const [A, B] = await Promise.all([startProcess(t, 'A', env), startProcess(t, 'B', env)])
  const processes = [A, B]
  const codeFor = mailByAddress(mailbox)
  const rng = seeded(SEED)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rng() * list.length)]!
  const chance = (p: number): boolean => rng() < p
  t.comment(`seed ${SEED} (STEP_UP_PROCESSES_SEED to change it)`)

  let now = START_MS
  let step = 0
  const stats = { sent: 0, tokens: 0, spent: 0, races: 0, codeRaces: 0, lockouts: 0, lockedRefusals: 0, invalid: 0, exhausted: 0, expired: 0, sendRaces: 0 }
  const failures: string[] = []
  /** Records a broken rule with the seed and the step, and keeps going so one run shows them all. */
  function check (user: UserModel, ok: boolean, what: string): void {
    if (!ok) failures.push(`seed ${SEED}, step ${step} (${user.doing}): ${what}; ${user.id}'s last requests: ${user.history.join(' | ')}`)
  }

  /** A request of `user`'s, kept in the user's history for a failure's message. */
  async function ask (user: UserModel, on: AppProcess, what: string, method: 'GET' | 'POST', url: string, payload?: unknown, extra: Record<string, string> = {}): Promise<Reply> {
    const reply = await call(on, method, url, { 'x-user': user.id, ...extra }, payload)
    user.history.push(`${(now - START_MS) / 1000} s: ${what} on ${on.name}: ${reply.outcome}${reply.retryAfter === undefined ? '' : ` (Retry-After ${reply.retryAfter})`}`)
    if (user.history.length > 16) user.history.shift()
    return reply
  }

  async function setClock (to: number): Promise<void> {
    now = to
    await Promise.all(processes.map((p) => call(p, 'POST', '/test/clock', {}, { now })))
  }

  const users: UserModel[] = POLICY.users.map((id) => ({
    id, challenges: [], tokens: [], spent: [], failures: [], keyUntil: 0, mayBeLockedUntil: 0, invalidAt: [], burst: false, nextAddress: 0, doing: '', history: []
  }))

  // --- the model ---------------------------------------------------------------------------------

  function inWindow (user: UserModel): { surely: number, perhaps: number } {
    const live = user.failures.filter((entry) => now < entry.at + POLICY.lockoutMs)
    user.failures = live
    return { surely: live.filter((entry) => entry.certain).length, perhaps: live.length }
  }
  /** No guess is compared: the lock stands, or the log holds as many wrong guesses as it may. */
  const surelyLocked = (user: UserModel) => now < user.keyUntil || inWindow(user).surely >= POLICY.maxFailures
  const mayBeLocked = (user: UserModel) => surelyLocked(user) || now < user.mayBeLockedUntil || inWindow(user).perhaps >= POLICY.maxFailures

  /**
   * After `guesses` raced: while they were in flight each took a place in the log, a right one too
   * until it succeeded and gave it back, so a wrong one among them may have filled the log and set
   * the lock with fewer wrong guesses in it afterwards.
   */
  function mayHaveFilled (user: UserModel, before: number, guesses: number): void {
    if (before + guesses >= POLICY.maxFailures) user.mayBeLockedUntil = Math.max(user.mayBeLockedUntil, now + POLICY.lockoutMs)
  }

  /** Every answer a verification can get now, in the engine's order of checks. */
  function possibleVerify (user: UserModel, challenge: Challenge, right: boolean): Set<Outcome> {
    const out = new Set<Outcome>()
    if (now < user.keyUntil) return new Set([LOCKED])
    if (now < user.mayBeLockedUntil) out.add(LOCKED)
    if (now >= challenge.sentAt + 2 * POLICY.codeTtlMs) return out.add(NOT_FOUND)
    if (challenge.consumed) return out.add(USED)
    if (now >= challenge.sentAt + POLICY.codeTtlMs) return out.add(EXPIRED)
    const [fewest, most] = challenge.attempts
    if (fewest >= POLICY.maxAttempts) return out.add(EXHAUSTED)
    if (most >= POLICY.maxAttempts) out.add(EXHAUSTED)
    const { surely, perhaps } = inWindow(user)
    if (surely >= POLICY.maxFailures) return out.add(LOCKED)
    if (perhaps >= POLICY.maxFailures) out.add(LOCKED)
    if (right) return out.add(OK)
    if (perhaps + 1 >= POLICY.maxFailures) out.add(LOCKED)
    if (surely + 1 < POLICY.maxFailures) {
      if (most + 1 >= POLICY.maxAttempts) out.add(EXHAUSTED)
      if (fewest + 1 < POLICY.maxAttempts) out.add(INVALID)
    }
    return out
  }

  /** A guess's effect on the model, from its answer (for a guess that raced others: `raced`). */
  function recordVerify (user: UserModel, challenge: Challenge, reply: Reply, raced: boolean, predicted: Set<Outcome>, reaching = false): void {
    const { outcome } = reply
    if (outcome === OK) {
      check(user, now >= user.keyUntil, `a token at ${now - START_MS} ms while locked until ${user.keyUntil - START_MS} ms`)
      challenge.accepted++
      challenge.consumed = true
      challenge.attempts = [challenge.attempts[0] + 1, challenge.attempts[1] + 1]
      stats.tokens++
      user.tokens.push({ token: reply.body.token as string, issuedAt: now })
    } else if (outcome === INVALID) {
      challenge.invalid++
      stats.invalid++
      challenge.attempts = [challenge.attempts[0] + 1, challenge.attempts[1] + 1]
      user.failures.push({ at: now, certain: true })
      user.invalidAt.push(now)
    } else if (outcome === LOCKED || outcome === EXHAUSTED || outcome === USED) {
      if (outcome === EXHAUSTED) stats.exhausted++
      // Refused before it was counted, or counted and then refused: open unless only one path led here.
      const beforeCount = predicted.size === 1 && !raced && !reaching &&
        (outcome !== EXHAUSTED || challenge.attempts[0] >= POLICY.maxAttempts) && (outcome !== USED || challenge.consumed)
      if (reaching) {
        user.failures.push({ at: now, certain: true })
        challenge.attempts = [challenge.attempts[0] + 1, challenge.attempts[1] + 1]
      } else if (!beforeCount) {
        user.failures.push({ at: now, certain: false })
        challenge.attempts = [challenge.attempts[0], challenge.attempts[1] + 1]
      }
    } else if (outcome === EXPIRED || outcome === NOT_FOUND) {
      stats.expired++
    }
    if (outcome === LOCKED) {
      stats.lockedRefusals++
      // The lock lasts at least its Retry-After (seconds, rounded up) less one second.
      if (reaching && reply.retryAfter !== undefined) user.keyUntil = Math.max(user.keyUntil, now + (reply.retryAfter - 1) * 1000)
    }
    if (inWindow(user).perhaps >= POLICY.maxFailures) user.mayBeLockedUntil = now + POLICY.lockoutMs
    // The rules that hold however the races went.
    check(user, challenge.accepted <= 1, `challenge ${challenge.id} accepted ${challenge.accepted} times`)
    check(user, challenge.invalid + challenge.accepted <= POLICY.maxAttempts,
      `challenge ${challenge.id}: ${challenge.invalid} wrong and ${challenge.accepted} right answers compared, cap ${POLICY.maxAttempts}`)
    const invalidInWindow = user.invalidAt.filter((at) => now < at + POLICY.lockoutMs).length
    check(user, invalidInWindow <= POLICY.maxFailures - 1, `${user.id}: ${invalidInWindow} wrong codes answered "invalid" within one lockout window`)
  }

  // --- operations --------------------------------------------------------------------------------

  async function send (user: UserModel, on: AppProcess, address = addressesOf(user.id)[user.nextAddress++ % 2]!): Promise<Reply> {
    const reply = await ask(user, on, `send to ${address}`, 'POST', '/step-up/email/send', { email: address })
    if (reply.outcome === LOCKED && reply.retryAfter !== undefined) {
      // A send is refused only by the lock itself.
      user.keyUntil = Math.max(user.keyUntil, now + (reply.retryAfter - 1) * 1000)
    }
    if (reply.outcome === SENT) {
      stats.sent++
      user.challenges.push({ id: reply.body.challengeId, code: codeFor(address), sentAt: now, attempts: [0, 0], consumed: false, invalid: 0, accepted: 0 })
    }
    return reply
  }

  async function sendOnce (user: UserModel, on: AppProcess): Promise<void> {
    user.doing = `${user.id} sends through ${on.name}`
    const locked = now < user.keyUntil
    const perhaps = mayBeLocked(user)
    const reply = await send(user, on)
    if (locked) check(user, reply.outcome === LOCKED, `a locked user's send answered ${reply.outcome}`)
    else if (!perhaps) check(user, reply.outcome === SENT, `an unlocked user's send answered ${reply.outcome}`)
    else check(user, reply.outcome === SENT || reply.outcome === LOCKED, `a send answered ${reply.outcome}`)
  }

  /** The same address on both processes at once: one cooldown, so one code (none when locked). */
  async function sendRace (user: UserModel): Promise<void> {
    user.doing = `${user.id} sends on A and B at once`
    stats.sendRaces++
    const locked = now < user.keyUntil
    const perhaps = mayBeLocked(user)
    const address = addressesOf(user.id)[user.nextAddress++ % 2]!
    const replies = await Promise.all(processes.map((p) => send(user, p, address)))
    const sent = replies.filter((r) => r.outcome === SENT).length
    const outcomes = replies.map((r) => r.outcome).sort().join(', ')
    if (locked) check(user, sent === 0 && replies.every((r) => r.outcome === LOCKED), `a locked user's two sends answered ${outcomes}`)
    else if (!perhaps) check(user, sent === 1 && replies.some((r) => r.outcome === TOO_SOON), `two sends at once answered ${outcomes}`)
    else check(user, sent <= 1, `two sends at once answered ${outcomes}`)
  }

  async function verify (user: UserModel, challenge: Challenge, right: boolean, on: AppProcess): Promise<Reply> {
    user.doing = `${user.id} ${right ? 'right' : 'wrong'} code on ${on.name}`
    const predicted = possibleVerify(user, challenge, right)
    // The wrong guess that surely fills the log: one place left in it, surely, and no other answer.
    const { surely, perhaps } = inWindow(user)
    const reaching = !right && predicted.size === 1 && predicted.has(LOCKED) && surely === POLICY.maxFailures - 1 && perhaps === surely
    const code = right ? challenge.code : challenge.code.replace(/^./, (d) => String((Number(d) + 1) % 10))
    const reply = await ask(user, on, `${right ? 'right' : 'wrong'} code for ${challenge.id.slice(0, 6)}`, 'POST', '/step-up/email/verify', { challengeId: challenge.id, code })
    check(user, predicted.has(reply.outcome), `answered ${reply.outcome}, expected ${[...predicted].join(' or ')}`)
    recordVerify(user, challenge, reply, false, predicted, reaching)
    return reply
  }

  /** Several verifications of one challenge at once, split across the processes. */
  async function verifyRace (user: UserModel, challenge: Challenge, rights: boolean[]): Promise<Reply[]> {
    user.doing = `${user.id} ${rights.map((r) => r ? 'right' : 'wrong').join('+')} codes on A and B at once`
    stats.races++
    const unlocked = !mayBeLocked(user)
    const { perhaps } = inWindow(user)
    // Room for every guess, and the losers' refused guesses cannot fill the log (whichever refused
    // guess fills it sets the lock, and is told so).
    const roomy = perhaps + rights.length < POLICY.maxFailures && challenge.attempts[1] + rights.length <= POLICY.maxAttempts
    const clean = possibleVerify(user, challenge, true)
    const predicted = new Set([...possibleVerify(user, challenge, true), ...possibleVerify(user, challenge, false), USED, EXHAUSTED, LOCKED])
    const replies = await Promise.all(rights.map((right, i) => {
      const code = right ? challenge.code : challenge.code.replace(/^./, (d) => String((Number(d) + 1) % 10))
      return ask(user, processes[i % 2]!, `${right ? 'right' : 'wrong'} code for ${challenge.id.slice(0, 6)} (raced)`, 'POST', '/step-up/email/verify', { challengeId: challenge.id, code })
    }))
    for (const reply of replies) {
      check(user, predicted.has(reply.outcome), `answered ${reply.outcome} in a race`)
      recordVerify(user, challenge, reply, true, predicted)
    }
    mayHaveFilled(user, perhaps, rights.length)
    const accepted = replies.filter((r) => r.outcome === OK).length
    const outcomes = replies.map((r) => r.outcome).sort().join(', ')
    check(user, accepted <= 1, `one code accepted ${accepted} times across A and B: ${outcomes}`)
    // With room for every guess, a right code raced on both is accepted exactly once.
    if (rights.every(Boolean) && unlocked && roomy && clean.size === 1 && clean.has(OK)) {
      stats.codeRaces++
      check(user, accepted === 1 && replies.every((r) => r.outcome === OK || r.outcome === USED), `the same right code on A and B answered ${outcomes}`)
    }
    return replies
  }

  /** A single-use token presented on both processes at once: one gets through. */
  async function spendRace (user: UserModel): Promise<void> {
    const { token, issuedAt } = user.tokens.shift()!
    user.doing = `${user.id} spends a single-use token on A and B at once`
    const replies = await Promise.all(processes.map((p) => ask(user, p, 'spend token (raced)', 'GET', '/wire', undefined, { 'x-step-up-token': token })))
    const through = replies.filter((r) => r.outcome === OK).length
    const outcomes = replies.map((r) => r.outcome).sort().join(', ')
    if (now < issuedAt + POLICY.tokenTtlMs - 1000) {
      check(user, through === 1 && replies.some((r) => r.outcome === TOKEN_USED), `a fresh single-use token on A and B answered ${outcomes}`)
      stats.spent += through
      user.spent.push({ token, issuedAt })
    } else {
      check(user, through === 0, `an expired token answered ${outcomes}`)
    }
  }

  /** A spent token again, on either process. */
  async function replaySpent (user: UserModel, on: AppProcess): Promise<void> {
    const { token } = pick(user.spent)
    user.doing = `${user.id} replays a spent token on ${on.name}`
    const reply = await ask(user, on, 'replay spent token', 'GET', '/wire', undefined, { 'x-step-up-token': token })
    check(user, reply.outcome !== OK, `a spent single-use token got through again on ${on.name}`)
  }

  /** While a lock stands: the right code on both processes at once, and a send on both. */
  async function probeLock (user: UserModel): Promise<void> {
    if (user.challenges.length > 0) {
      const challenge = pick(user.challenges)
      user.doing = `${user.id} locked: right code on A and B at once`
      const replies = await Promise.all(processes.map((p) =>
        ask(user, p, `right code for ${challenge.id.slice(0, 6)} (locked, raced)`, 'POST', '/step-up/email/verify', { challengeId: challenge.id, code: challenge.code })))
      const predicted = possibleVerify(user, challenge, true)
      check(user, replies.every((r) => r.outcome !== OK && predicted.has(r.outcome)),
        `a locked user's right code answered ${replies.map((r) => r.outcome).join(', ')}, expected ${[...predicted].join(' or ')}`)
      const { perhaps } = inWindow(user)
      for (const reply of replies) recordVerify(user, challenge, reply, true, predicted)
      mayHaveFilled(user, perhaps, replies.length)
    }
    await sendRace(user)
  }

  /** One move of one user, drawn from the sequence. */
  async function move (user: UserModel): Promise<void> {
    const on = pick(processes)
    const usable = user.challenges.filter((c) => !c.consumed && now < c.sentAt + POLICY.codeTtlMs && c.attempts[1] < POLICY.maxAttempts)
    if (user.burst) {
      // Wrong guesses one at a time, alternating processes, until the lock: it must come exactly
      // at the guess that fills the log when the count is known, and never before.
      if (surelyLocked(user)) {
        user.burst = false
        stats.lockouts++
        await probeLock(user)
      } else if (usable.length === 0) {
        await sendOnce(user, on)
      } else {
        await verify(user, usable[0]!, false, on)
      }
      return
    }
    const roll = rng()
    if (roll < 0.03 && !mayBeLocked(user)) {
      user.burst = true
      await sendOnce(user, on)
    } else if (roll < 0.25) {
      if (chance(0.15)) await sendRace(user)
      else await sendOnce(user, on)
    } else if (roll < 0.45 && user.tokens.length > 0) {
      await spendRace(user)
    } else if (roll < 0.5 && user.spent.length > 0) {
      await replaySpent(user, on)
    } else if (user.challenges.length > 0) {
      const challenge = chance(0.85) && usable.length > 0 ? pick(usable) : pick(user.challenges)
      const kind = rng()
      if (kind < 0.45) await verify(user, challenge, true, on)
      else if (kind < 0.7) await verify(user, challenge, false, on)
      else if (kind < 0.85) await verifyRace(user, challenge, [true, true])
      else await verifyRace(user, challenge, [false, true, false, true].slice(0, 2 + Math.floor(rng() * 3)))
    } else {
      await sendOnce(user, on)
    }
    // Challenges long gone from the model's interest: keep the list short.
    user.challenges = user.challenges.filter((c) => now < c.sentAt + 3 * POLICY.codeTtlMs).slice(-8)
    user.spent = user.spent.slice(-8)
  }

  while (stats.sent < CYCLES && failures.length < 20) {
    step++
    // Now and then the clock jumps: past a code's life, or past every lock and window; before a
    // long jump, to a second before the earliest lock ends, where it must still stand on both.
    if (step % 40 === 0) {
      const locked = users.filter((user) => now < user.keyUntil - 1000)
      const earliest = Math.min(...locked.map((user) => user.keyUntil))
      const jumpTo = now + LONG_JUMP_MS
      if (locked.length > 0) {
        await setClock(earliest - 1000)
        for (const user of locked) {
          await probeLock(user)
        }
      }
      await setClock(jumpTo)
    } else if (chance(0.03)) {
      await setClock(now + SHORT_JUMP_MS)
    } else {
      await setClock(now + STEP_MS)
    }
    // Every user moves in each step, all at once: their cycles interleave on both processes.
    await Promise.all(users.map(move))
  }

  for (const failure of failures) t.fail(failure)
  t.equal(failures.length, 0, `seed ${SEED}: every rule held over ${step} steps`)
  t.ok(stats.sent >= CYCLES, `${stats.sent} codes sent`)
  // The sequence did what it is for: otherwise it proves little.
  t.ok(stats.tokens > 200 && stats.spent > 100, `${stats.tokens} tokens issued, ${stats.spent} single-use tokens spent on one of two processes`)
  t.ok(stats.codeRaces >= 10, `${stats.codeRaces} right codes raced on both processes, each accepted once`)
  t.ok(stats.lockouts >= 5 && stats.lockedRefusals > 20, `${stats.lockouts} lock bursts, ${stats.lockedRefusals} answers "locked"`)
  t.ok(stats.invalid > 100 && stats.exhausted > 10 && stats.expired > 10, `${stats.invalid} wrong codes, ${stats.exhausted} over the attempt cap, ${stats.expired} expired or gone`)
  t.comment(`seed ${SEED}: ${JSON.stringify(stats)} in ${Math.round(performance.now() - started)} ms`)
})
