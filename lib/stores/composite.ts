// The composite store operations written once, as the sequence of primitives they stand for, in
// the order the engine used to call them. A store without a native one gets this sequence run over
// its primitives (one round trip each); MemoryStore runs the same sequence synchronously, so it is
// atomic; RedisStore has a Lua script of its own for each, which the conformance suite checks
// against this one.
import type {
  ChallengeRecord,
  GuessEnd,
  GuessEnded,
  GuessStart,
  GuessStarted,
  LogResult,
  SendStart,
  SendStarted,
  StepUpStore
} from './store.js'

export const PRIMITIVE_OPERATIONS = [
  'createChallenge', 'getChallenge', 'countAttempt', 'consumeChallenge', 'deleteChallenge',
  'logAdd', 'logRemove', 'markOnce', 'advance', 'ttl', 'delete'
] as const satisfies ReadonlyArray<keyof StepUpStore>

export const COMPOSITE_OPERATIONS = ['startSend', 'beginGuess', 'endGuess'] as const satisfies ReadonlyArray<keyof StepUpStore>

type Primitive = typeof PRIMITIVE_OPERATIONS[number]

/** One primitive call of a sequence. A best-effort one that fails answers undefined instead. */
export type Step = { [K in Primitive]: { op: K, args: Parameters<StepUpStore[K]>, bestEffort?: true } }[Primitive]

type Steps<T> = Generator<Step, T, unknown>

/** A store with every composite operation, native or composed. */
export type CompositeStore = Required<StepUpStore>

/** The group of a key or challenge id: the part between its first `{` and the next `}`, if not empty. */
export function keyGroup (key: string): string | undefined {
  const open = key.indexOf('{')
  const close = open < 0 ? -1 : key.indexOf('}', open + 1)
  return close > open + 1 ? key.slice(open + 1, close) : undefined
}

export function * startSendSteps (start: SendStart): Steps<SendStarted> {
  const locked = (yield { op: 'ttl', args: [start.lock] }) as number
  if (locked > 0) return { refused: 'lock', retryMs: locked }
  const { cooldown, log, challenge } = start
  if (cooldown && !(yield { op: 'markOnce', args: [cooldown.key, cooldown.ttlMs] })) {
    return { refused: 'cooldown', retryMs: (yield { op: 'ttl', args: [cooldown.key] }) as number }
  }
  const logged = (yield { op: 'logAdd', args: [log.key, log.entry, log.max, log.ttlMs] }) as LogResult
  if (logged.retryMs > 0) {
    // A refused send must not stop the user from trying again at once.
    if (cooldown) yield { op: 'delete', args: [cooldown.key], bestEffort: true }
    return { refused: 'log', retryMs: logged.retryMs }
  }
  yield { op: 'createChallenge', args: [challenge.id, challenge.record, challenge.ttlMs] }
  return { retryMs: 0 }
}

/** Whether a challenge can take the guess that `start` describes. */
export function pending (found: ChallengeRecord | undefined, expected: NonNullable<GuessStart['challenge']>): found is ChallengeRecord {
  return found !== undefined && found.userId === expected.userId && found.sessionId === expected.sessionId &&
    found.method === expected.method && !found.consumed && found.expiresAt > expected.now &&
    (expected.maxAttempts === undefined || found.attempts < expected.maxAttempts)
}

/** A `beginGuess` answer, with absent fields left out (so answers compare equal across stores). */
export function guessStarted (refused: GuessStarted['refused'], retryMs: number, count: number, challenge?: ChallengeRecord, after?: ChallengeRecord): GuessStarted {
  return {
    ...(refused === undefined ? {} : { refused }),
    retryMs,
    count,
    ...(challenge === undefined ? {} : { challenge }),
    ...(after === undefined ? {} : { after })
  }
}

export function * beginGuessSteps (start: GuessStart): Steps<GuessStarted> {
  const locked = (yield { op: 'ttl', args: [start.lock] }) as number
  if (locked > 0) return guessStarted('lock', locked, 0)
  const expected = start.challenge
  let found: ChallengeRecord | undefined
  if (expected) {
    found = (yield { op: 'getChallenge', args: [expected.id] }) as ChallengeRecord | undefined
    if (!pending(found, expected)) return guessStarted('challenge', 0, 0, found)
  }
  const { failures, knowledge } = start
  const logged = (yield { op: 'logAdd', args: [failures.key, failures.entry, failures.max, failures.ttlMs] }) as LogResult
  if (logged.retryMs > 0) return guessStarted('failures', logged.retryMs, logged.count, found)
  if (knowledge) {
    const known = (yield { op: 'logAdd', args: [knowledge.key, failures.entry, knowledge.max, knowledge.ttlMs] }) as LogResult
    if (known.retryMs > 0) {
      // Over the knowledge limit the guess is given back unchecked.
      yield { op: 'logRemove', args: [failures.key, failures.entry], bestEffort: true }
      return guessStarted('knowledge', known.retryMs, logged.count, found)
    }
  }
  if (!expected) return guessStarted(undefined, 0, logged.count)
  let after: ChallengeRecord | undefined
  if (expected.then === 'count') {
    after = (yield { op: 'countAttempt', args: [expected.id] }) as ChallengeRecord | undefined
  } else if (yield { op: 'consumeChallenge', args: [expected.id] }) {
    after = { ...found!, consumed: true }
  }
  return guessStarted(undefined, 0, logged.count, found, after)
}

export function * endGuessSteps (end: GuessEnd): Steps<GuessEnded> {
  let spent = true
  const { spend, lock } = end
  if (spend) {
    spent = ('challenge' in spend
      ? yield { op: 'consumeChallenge', args: [spend.challenge] }
      : yield { op: 'advance', args: [spend.advance.key, spend.advance.value, spend.advance.ttlMs] }) as boolean
  }
  // Taking a guess back is best effort: the proof is made, and at worst the guess runs out with its window.
  for (const { key, entry } of spent ? end.giveBack ?? [] : []) yield { op: 'logRemove', args: [key, entry], bestEffort: true }
  let lockedMs = 0
  if (lock) {
    yield { op: 'markOnce', args: [lock.key, lock.ttlMs] }
    lockedMs = (yield { op: 'ttl', args: [lock.key] }) as number
  }
  return { spent, lockedMs }
}

/** Runs a sequence with calls that answer at once (MemoryStore's): nothing can come between two steps. */
export function runNow<T> (steps: Steps<T>, call: (step: Step) => unknown): T {
  let next = steps.next()
  while (!next.done) next = steps.next(call(next.value))
  return next.value
}

/** Runs a sequence over a store's primitives, one call (one round trip) after the other. */
export async function runOver<T> (steps: Steps<T>, store: StepUpStore): Promise<T> {
  let next = steps.next()
  while (!next.done) {
    const step = next.value
    let answer: unknown
    try {
      answer = await (store[step.op] as (...args: unknown[]) => Promise<unknown>).apply(store, step.args)
    } catch (err) {
      if (!step.bestEffort) throw err
    }
    next = steps.next(answer)
  }
  return next.value
}

/** The store with each composite operation it lacks composed from its primitives. */
export function withComposites (store: StepUpStore): CompositeStore {
  return Object.assign(primitivesOf(store), {
    startSend: store.startSend?.bind(store) ?? ((start: SendStart) => runOver(startSendSteps(start), store)),
    beginGuess: store.beginGuess?.bind(store) ?? ((start: GuessStart) => runOver(beginGuessSteps(start), store)),
    endGuess: store.endGuess?.bind(store) ?? ((end: GuessEnd) => runOver(endGuessSteps(end), store))
  }) as CompositeStore
}

/** The store's primitives only, as a store written before the composite operations would be. */
export function primitivesOf (store: StepUpStore): StepUpStore {
  const primitives: Record<string, unknown> = {}
  for (const operation of PRIMITIVE_OPERATIONS) primitives[operation] = store[operation].bind(store)
  return primitives as unknown as StepUpStore
}
