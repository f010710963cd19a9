import { toMilliseconds, type Duration } from '../duration.js'
import { FST_STEP_UP_OPTION_INVALID } from '../errors.js'
import { checkKeys, keysOf } from '../option-keys.js'
import { guessStarted, keyGroup } from './composite.js'
import { BEGIN_GUESS, END_GUESS, START_SEND } from './redis-composite-scripts.js'
import {
  ADVANCE,
  CONSUME_CHALLENGE,
  COUNT_ATTEMPT,
  CREATE_CHALLENGE,
  DELETE,
  GET_CHALLENGE,
  LOG_ADD,
  LOG_REMOVE,
  MARK_ONCE,
  TTL,
  type RedisScript
} from './redis-scripts.js'
import type {
  ChallengeRecord,
  Clock,
  GuessEnd,
  GuessEnded,
  GuessStart,
  GuessStarted,
  LogResult,
  SendStart,
  SendStarted,
  StepUpStore
} from './store.js'

/**
 * What RedisStore needs of a client: running Lua scripts, and with `waitForReplicas` a pipeline. An
 * ioredis `Redis` or `Cluster` has all three; nothing from ioredis is imported, so the package loads
 * without it.
 */
export interface RedisScriptClient {
  evalsha (sha1: string, numkeys: number, ...args: string[]): Promise<unknown>
  eval (script: string, numkeys: number, ...args: string[]): Promise<unknown>
  /** Needed only with `waitForReplicas`. */
  pipeline? (): RedisWaitPipeline
}

/** The part of an ioredis pipeline that `waitForReplicas` uses. */
export interface RedisWaitPipeline {
  exists (key: string): RedisWaitPipeline
  wait (numreplicas: number, timeout: number): RedisWaitPipeline
  exec (): Promise<Array<[error: Error | null, result: unknown]> | null>
}

export interface RedisWaitOptions {
  /** How many replicas must have each write. At least 1. */
  replicas: number
  /** How long to wait for them; shorter than the store's `timeout`. */
  timeout: Duration
}

export interface RedisStoreOptions {
  /** The app's ioredis client (`Redis` or `Cluster`). The store never connects or closes it. */
  client: RedisScriptClient
  /** Put before every key, so several apps can share one Redis. No `{` or `}`. Default `'step-up:'`. */
  prefix?: string
  /** Time source for expiry, for tests. Default `Date`. Give the plugin the same clock. */
  clock?: Clock
  /** How long one operation may take before it rejects (and the plugin answers 503). Default 1 s. */
  timeout?: Duration
  /**
   * After each write that tightens a rule (an attempt, a consumed challenge, a log entry, a set mark,
   * a raised step), send WAIT, and reject (503) unless this many replicas have the write within
   * `timeout`, so a fail-over cannot lose a write that let a request go on. Default: no WAIT.
   */
  waitForReplicas?: RedisWaitOptions
}

// Redis drops an entry this long after its logical expiry. The app clock decides expiry; the margin
// keeps Redis from dropping an entry early when that clock runs behind Redis's (or a test holds it).
const CLEANUP_MARGIN_MS = 60_000

function checkWait (wait: RedisWaitOptions | undefined, timeoutMs: number): { replicas: number, timeoutMs: number } | undefined {
  if (wait === undefined) return undefined
  if (typeof wait !== 'object' || wait === null) {
    throw new FST_STEP_UP_OPTION_INVALID('waitForReplicas', 'must be an object: { replicas, timeout }')
  }
  checkKeys('RedisStore.waitForReplicas', wait, keysOf<RedisWaitOptions>({ replicas: true, timeout: true }))
  const { replicas } = wait
  if (!Number.isSafeInteger(replicas) || replicas < 1) {
    throw new FST_STEP_UP_OPTION_INVALID('waitForReplicas.replicas', 'must be a whole number of at least 1')
  }
  const waitMs = toMilliseconds('waitForReplicas.timeout', wait.timeout)
  if (waitMs >= timeoutMs) {
    // Else every write would time out before WAIT answered, and the store would not say why.
    throw new FST_STEP_UP_OPTION_INVALID('waitForReplicas.timeout', `must be shorter than timeout (${timeoutMs} ms)`)
  }
  return { replicas, timeoutMs: waitMs }
}

function checkPrefix (prefix: unknown): string {
  if (typeof prefix !== 'string' || prefix.length > 200 || /[{}]/.test(prefix)) {
    // A brace would change which part of each key Redis Cluster hashes.
    throw new FST_STEP_UP_OPTION_INVALID('prefix', 'must be a string of at most 200 characters without { or }')
  }
  return prefix
}

/**
 * Step-up state in Redis, shared by every instance of the app. Each operation is one Lua script
 * (atomic, one round trip); a primitive touches one key, a composite one several keys of one group.
 * Keys: `<prefix>challenge`, `<prefix>state` (marks) and `<prefix>log` (sliding-window logs,
 * sorted sets), then the id or key: `~<key>` when it has a group (`{...}`: that is the Redis
 * Cluster hash tag), else `:{<key>}` (the whole key is the hash tag).
 * An operation that gets no reply within `timeout` rejects, so a request never waits on a Redis
 * that is gone. With `waitForReplicas`, a write that tightens a rule resolves only once replicas
 * have it.
 */
export class RedisStore implements StepUpStore {
  readonly #client: RedisScriptClient
  readonly #prefix: string
  readonly #clock: Clock
  readonly #timeoutMs: number
  readonly #wait: { replicas: number, timeoutMs: number } | undefined

  constructor (options: RedisStoreOptions) {
    checkKeys('RedisStore', options, keysOf<RedisStoreOptions>({ client: true, prefix: true, clock: true, timeout: true, waitForReplicas: true }))
    const client = options?.client
    if (typeof client?.evalsha !== 'function' || typeof client.eval !== 'function') {
      throw new FST_STEP_UP_OPTION_INVALID('client', 'must be an ioredis client (Redis or Cluster)')
    }
    this.#client = client
    this.#prefix = checkPrefix(options.prefix ?? 'step-up:')
    this.#clock = options.clock ?? Date
    this.#timeoutMs = toMilliseconds('timeout', options.timeout ?? 1000)
    this.#wait = checkWait(options.waitForReplicas, this.#timeoutMs)
    if (this.#wait && typeof client.pipeline !== 'function') {
      throw new FST_STEP_UP_OPTION_INVALID('client', 'must have pipeline() with waitForReplicas (an ioredis Redis or Cluster)')
    }
  }

  async createChallenge (id: string, challenge: ChallengeRecord, ttlMs: number): Promise<void> {
    await this.#run('createChallenge', CREATE_CHALLENGE, this.#challengeKey(id), (now) => [
      JSON.stringify(challenge),
      String(challenge.attempts),
      challenge.consumed ? '1' : '0',
      ...this.#expiry(now, ttlMs)
    ])
  }

  async getChallenge (id: string): Promise<ChallengeRecord | undefined> {
    return toRecord(await this.#run('getChallenge', GET_CHALLENGE, this.#challengeKey(id)))
  }

  async countAttempt (id: string): Promise<ChallengeRecord | undefined> {
    return toRecord(await this.#run('countAttempt', COUNT_ATTEMPT, this.#challengeKey(id), undefined, (reply) => toRecord(reply) !== undefined))
  }

  async consumeChallenge (id: string): Promise<boolean> {
    return Number(await this.#run('consumeChallenge', CONSUME_CHALLENGE, this.#challengeKey(id), undefined, answeredOne)) === 1
  }

  async deleteChallenge (id: string): Promise<void> {
    await this.#run('deleteChallenge', DELETE, this.#challengeKey(id))
  }

  async logAdd (key: string, entry: string, max: number, ttlMs: number): Promise<LogResult> {
    const [count, retryMs] = await this.#run('logAdd', LOG_ADD, this.#logKey(key), (now) => [entry, String(max), ...this.#expiry(now, ttlMs)],
      (reply) => Number((reply as unknown[])[1]) === 0) as unknown[]
    return { count: Number(count), retryMs: Number(retryMs) }
  }

  async logRemove (key: string, entry: string): Promise<void> {
    await this.#run('logRemove', LOG_REMOVE, this.#logKey(key), () => [entry])
  }

  async markOnce (key: string, ttlMs: number): Promise<boolean> {
    return Number(await this.#run('markOnce', MARK_ONCE, this.#stateKey(key), (now) => this.#expiry(now, ttlMs), answeredOne)) === 1
  }

  async advance (key: string, value: number, ttlMs: number): Promise<boolean> {
    return Number(await this.#run('advance', ADVANCE, this.#stateKey(key), (now) => [String(value), ...this.#expiry(now, ttlMs)], answeredOne)) === 1
  }

  async ttl (key: string): Promise<number> {
    return Number(await this.#run('ttl', TTL, this.#stateKey(key)))
  }

  async delete (key: string): Promise<void> {
    await this.#run('delete', DELETE, this.#stateKey(key))
  }

  async startSend (start: SendStart): Promise<SendStarted> {
    const { lock, cooldown, log, challenge } = start
    const keys = [this.#stateKey(lock), this.#logKey(log.key), this.#challengeKey(challenge.id), ...(cooldown ? [this.#stateKey(cooldown.key)] : [])]
    const [refused, retryMs] = await this.#run('startSend', START_SEND, keys, (now) => [
      log.entry, String(log.max), ...this.#expiry(now, log.ttlMs),
      JSON.stringify(challenge.record), String(challenge.record.attempts), challenge.record.consumed ? '1' : '0', ...this.#expiry(now, challenge.ttlMs),
      ...(cooldown ? this.#expiry(now, cooldown.ttlMs) : [])
    ], (reply) => (reply as unknown[])[0] === '') as unknown[]
    return refused === '' ? { retryMs: 0 } : { refused: refused as SendStarted['refused'], retryMs: Number(retryMs) }
  }

  async beginGuess (start: GuessStart): Promise<GuessStarted> {
    const { lock, failures, knowledge, challenge } = start
    const keys = [this.#stateKey(lock), this.#logKey(failures.key)]
    if (knowledge) keys.push(this.#logKey(knowledge.key))
    if (challenge) keys.push(this.#challengeKey(challenge.id))
    const reply = await this.#run('beginGuess', BEGIN_GUESS, keys, (now) => [
      failures.entry, String(failures.max), ...this.#expiry(now, failures.ttlMs),
      ...(knowledge ? ['1', String(knowledge.max), ...this.#expiry(now, knowledge.ttlMs)] : ['0', '', '', '']),
      ...(challenge
        ? ['1', challenge.userId, challenge.sessionId, challenge.method, String(challenge.now), challenge.maxAttempts === undefined ? '' : String(challenge.maxAttempts), challenge.then]
        : ['0'])
    ], (reply) => (reply as unknown[])[0] === '') as unknown[]
    const [refused, retryMs, count] = reply
    return guessStarted(refused === '' ? undefined : refused as GuessStarted['refused'], Number(retryMs), Number(count),
      toRecord(reply.slice(3, 6)), toRecord(reply.slice(6, 9)))
  }

  async endGuess (end: GuessEnd): Promise<GuessEnded> {
    const { spend, giveBack = [], lock } = end
    const spent = spend === undefined ? [] : 'challenge' in spend ? [this.#challengeKey(spend.challenge)] : [this.#stateKey(spend.advance.key)]
    const keys = [...spent, ...giveBack.map(({ key }) => this.#logKey(key)), ...(lock ? [this.#stateKey(lock.key)] : [])]
    const reply = await this.#run('endGuess', END_GUESS, keys, (now) => [
      ...(spend === undefined
        ? ['', '', '', '']
        : 'challenge' in spend ? ['consume', '', '', ''] : ['advance', String(spend.advance.value), ...this.#expiry(now, spend.advance.ttlMs)]),
      String(giveBack.length), ...giveBack.map(({ entry }) => entry),
      ...(lock ? ['1', ...this.#expiry(now, lock.ttlMs)] : ['0'])
    ], (reply) => lock !== undefined || (spend !== undefined && Number((reply as unknown[])[0]) === 1)) as unknown[]
    return { spent: Number(reply[0]) === 1, lockedMs: Number(reply[1]) }
  }

  // A key with a group ({...}) is hashed on it, so the keys of one group share a Cluster slot; the
  // `~` keeps it apart from every key without one, whose whole self is the hash tag (any slot will
  // do for a key used alone). The prefix never decides the slot.
  #key (namespace: string, key: string): string {
    return keyGroup(key) === undefined ? `${this.#prefix}${namespace}:{${key}}` : `${this.#prefix}${namespace}~${key}`
  }

  #challengeKey (id: string): string {
    return this.#key('challenge', id)
  }

  #stateKey (key: string): string {
    return this.#key('state', key)
  }

  #logKey (key: string): string {
    return this.#key('log', key)
  }

  /** The logical expiry and the (longer) Redis TTL, as script arguments. */
  #expiry (now: number, ttlMs: number): string[] {
    return [String(now + ttlMs), String(Math.ceil(ttlMs) + CLEANUP_MARGIN_MS)]
  }

  /**
   * Runs a script on its keys (one, or several of one group) with `now` first, rejecting if Redis
   * gives no reply in time. With `waitForReplicas`, a reply for which `wrote` is true waits for the
   * replicas too.
   */
  async #run (operation: string, script: RedisScript, key: string | string[], args: (now: number) => string[] = () => [], wrote?: (reply: unknown) => boolean): Promise<unknown> {
    const keys = typeof key === 'string' ? [key] : key
    if (keys.length > 1) sameGroup(operation, keys)
    const now = this.#clock.now()
    const argv = [String(now), ...args(now)]
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`RedisStore ${operation}: no reply from Redis within ${this.#timeoutMs} ms`))
      }, this.#timeoutMs)
      timer.unref()
    })
    try {
      return await Promise.race([this.#evalAndWait(operation, script, keys, argv, wrote), timedOut])
    } finally {
      clearTimeout(timer)
    }
  }

  async #evalAndWait (operation: string, script: RedisScript, keys: string[], argv: string[], wrote: ((reply: unknown) => boolean) | undefined): Promise<unknown> {
    const reply = await this.#eval(script, keys, argv)
    // One key of the group steers the WAIT to the connection the script ran on.
    if (this.#wait && wrote?.(reply)) await this.#waitForReplicas(operation, keys[0]!, this.#wait)
    return reply
  }

  // EVALSHA first; a server that has not seen the script yet (new, restarted, a replica just
  // promoted, another Cluster node) answers NOSCRIPT, and EVAL then runs it and caches it there.
  // ioredis's Cluster client can report that NOSCRIPT inside "Too many Cluster redirections. Last
  // error: ReplyError: NOSCRIPT ...", when the reply comes after redirections that used up its
  // budget (maxRedirections), as after a fail-over; it is the same refusal: the script did not run.
  async #eval (script: RedisScript, keys: string[], argv: string[]): Promise<unknown> {
    try {
      return await this.#client.evalsha(script.sha, keys.length, ...keys, ...argv)
    } catch (err) {
      if (!String((err as Error).message).includes('NOSCRIPT')) throw err
      return this.#client.eval(script.source, keys.length, ...keys, ...argv)
    }
  }

  // WAIT covers the writes made on its connection, and cannot run inside a script. A pipeline whose
  // one keyed command names the key sends it on the connection to the key's master, the one the
  // script ran on (on a Cluster, the slot's master; EXISTS there only steers the pipeline). Writes of
  // other requests on that connection are waited for too, which only makes the wait longer.
  async #waitForReplicas (operation: string, key: string, wait: { replicas: number, timeoutMs: number }): Promise<void> {
    // exec() answers null only for a transaction that WATCH aborted; this pipeline has none.
    const replies = (await this.#client.pipeline!().exists(key).wait(wait.replicas, wait.timeoutMs).exec())!
    for (const [error] of replies) if (error) throw error
    const acknowledged = Number(replies[1]![1])
    if (acknowledged < wait.replicas) {
      throw new Error(`RedisStore ${operation}: written, but ${acknowledged} of ${wait.replicas} replicas acknowledged it within ${wait.timeoutMs} ms`)
    }
  }
}

/**
 * The keys of a composite operation must share a group: on a Cluster they must be in one slot, and
 * refusing keys that are not keeps a single Redis honest too (the same code must run on both).
 */
function sameGroup (operation: string, keys: string[]): void {
  const group = keyGroup(keys[0]!)
  if (group === undefined || keys.some((key) => keyGroup(key) !== group)) {
    throw new Error(`RedisStore ${operation}: the keys of one operation must share one {group}`)
  }
}

/** Whether a script that answers 1 when it wrote (consumed, marked, raised) wrote. */
function answeredOne (reply: unknown): boolean {
  return Number(reply) === 1
}

/** A challenge from a script's reply: the record as created, with the live attempts and consumed. */
function toRecord (reply: unknown): ChallengeRecord | undefined {
  const [json, attempts, consumed] = reply as unknown[]
  if (typeof json !== 'string') return undefined
  return { ...JSON.parse(json), attempts: Number(attempts), consumed: consumed === '1' }
}
