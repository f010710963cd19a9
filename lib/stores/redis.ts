import { toMilliseconds, type Duration } from '../duration.js'
import { FST_STEP_UP_OPTION_INVALID } from '../errors.js'
import { checkKeys, keysOf } from '../option-keys.js'
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
import type { ChallengeRecord, Clock, LogResult, StepUpStore } from './store.js'

/**
 * What RedisStore needs of a client: running Lua scripts. An ioredis `Redis` or `Cluster` has both
 * methods; nothing from ioredis is imported, so the package loads without it.
 */
export interface RedisScriptClient {
  evalsha (sha1: string, numkeys: number, ...args: string[]): Promise<unknown>
  eval (script: string, numkeys: number, ...args: string[]): Promise<unknown>
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
}

// Redis drops an entry this long after its logical expiry. The app clock decides expiry; the margin
// keeps Redis from dropping an entry early when that clock runs behind Redis's (or a test holds it).
const CLEANUP_MARGIN_MS = 60_000

function checkPrefix (prefix: unknown): string {
  if (typeof prefix !== 'string' || prefix.length > 200 || /[{}]/.test(prefix)) {
    // A brace would change which part of each key Redis Cluster hashes.
    throw new FST_STEP_UP_OPTION_INVALID('prefix', 'must be a string of at most 200 characters without { or }')
  }
  return prefix
}

/**
 * Step-up state in Redis, shared by every instance of the app. Each operation is one Lua script
 * (atomic, one round trip) on one key. Keys: `<prefix>challenge:{<id>}` for challenges,
 * `<prefix>state:{<key>}` for marks and `<prefix>log:{<key>}` for sliding-window logs (sorted
 * sets); the braces are a Redis Cluster hash tag.
 * An operation that gets no reply within `timeout` rejects, so a request never waits on a Redis
 * that is gone.
 */
export class RedisStore implements StepUpStore {
  readonly #client: RedisScriptClient
  readonly #prefix: string
  readonly #clock: Clock
  readonly #timeoutMs: number

  constructor (options: RedisStoreOptions) {
    checkKeys('RedisStore', options, keysOf<RedisStoreOptions>({ client: true, prefix: true, clock: true, timeout: true }))
    const client = options?.client
    if (typeof client?.evalsha !== 'function' || typeof client.eval !== 'function') {
      throw new FST_STEP_UP_OPTION_INVALID('client', 'must be an ioredis client (Redis or Cluster)')
    }
    this.#client = client
    this.#prefix = checkPrefix(options.prefix ?? 'step-up:')
    this.#clock = options.clock ?? Date
    this.#timeoutMs = toMilliseconds('timeout', options.timeout ?? 1000)
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
    return toRecord(await this.#run('countAttempt', COUNT_ATTEMPT, this.#challengeKey(id)))
  }

  async consumeChallenge (id: string): Promise<boolean> {
    return Number(await this.#run('consumeChallenge', CONSUME_CHALLENGE, this.#challengeKey(id))) === 1
  }

  async deleteChallenge (id: string): Promise<void> {
    await this.#run('deleteChallenge', DELETE, this.#challengeKey(id))
  }

  async logAdd (key: string, entry: string, max: number, ttlMs: number): Promise<LogResult> {
    const [count, retryMs] = await this.#run('logAdd', LOG_ADD, this.#logKey(key), (now) => [entry, String(max), ...this.#expiry(now, ttlMs)]) as unknown[]
    return { count: Number(count), retryMs: Number(retryMs) }
  }

  async logRemove (key: string, entry: string): Promise<void> {
    await this.#run('logRemove', LOG_REMOVE, this.#logKey(key), () => [entry])
  }

  async markOnce (key: string, ttlMs: number): Promise<boolean> {
    return Number(await this.#run('markOnce', MARK_ONCE, this.#stateKey(key), (now) => this.#expiry(now, ttlMs))) === 1
  }

  async advance (key: string, value: number, ttlMs: number): Promise<boolean> {
    return Number(await this.#run('advance', ADVANCE, this.#stateKey(key), (now) => [String(value), ...this.#expiry(now, ttlMs)])) === 1
  }

  async ttl (key: string): Promise<number> {
    return Number(await this.#run('ttl', TTL, this.#stateKey(key)))
  }

  async delete (key: string): Promise<void> {
    await this.#run('delete', DELETE, this.#stateKey(key))
  }

  // The whole key sits in the hash tag: each operation touches one key, so any slot will do, and
  // the prefix never decides it.
  #challengeKey (id: string): string {
    return `${this.#prefix}challenge:{${id}}`
  }

  #stateKey (key: string): string {
    return `${this.#prefix}state:{${key}}`
  }

  #logKey (key: string): string {
    return `${this.#prefix}log:{${key}}`
  }

  /** The logical expiry and the (longer) Redis TTL, as script arguments. */
  #expiry (now: number, ttlMs: number): string[] {
    return [String(now + ttlMs), String(Math.ceil(ttlMs) + CLEANUP_MARGIN_MS)]
  }

  /** Runs a script on one key with `now` first, rejecting if Redis gives no reply in time. */
  async #run (operation: string, script: RedisScript, key: string, args: (now: number) => string[] = () => []): Promise<unknown> {
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
      return await Promise.race([this.#eval(script, key, argv), timedOut])
    } finally {
      clearTimeout(timer)
    }
  }

  // EVALSHA first; a server that has not seen the script yet (new, restarted, another Cluster
  // node) answers NOSCRIPT, and EVAL then runs it and caches it there.
  async #eval (script: RedisScript, key: string, argv: string[]): Promise<unknown> {
    try {
      return await this.#client.evalsha(script.sha, 1, key, ...argv)
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err
      return this.#client.eval(script.source, 1, key, ...argv)
    }
  }
}

/** A challenge from a script's reply: the record as created, with the live attempts and consumed. */
function toRecord (reply: unknown): ChallengeRecord | undefined {
  const [json, attempts, consumed] = reply as unknown[]
  if (typeof json !== 'string') return undefined
  return { ...JSON.parse(json), attempts: Number(attempts), consumed: consumed === '1' }
}
