// Tells users what happens to their account (OWASP ASVS 5.0 6.3.4, 6.3.6): failed step-ups, a
// lockout, factor changes, a step-up from a new device. A notification never changes the outcome
// of the request that caused it: it runs beside it, each delivery bounded by a timeout, and what
// fails is reported as an event, never thrown.
import { createHash } from 'node:crypto'
import type { Audit } from '../core/engine.js'
import { stateKey } from '../core/fail-closed.js'
import { cleanText } from '../core/summary.js'
import type { Translator } from '../i18n/translator.js'
import type { Clock, StepUpStore } from '../stores/store.js'
import type { StepUpUser } from '../types.js'
import type { NotificationClient, NotificationEvent, NotificationFact, NotificationKind } from './kinds.js'
import type { ResolvedNotifications } from './options.js'
import { renderNotification } from './render.js'

/** How long a device a user stepped up from is remembered, for `newDevice`. */
const DEVICE_MEMORY_MS = 180 * 24 * 60 * 60 * 1000

/** A channel notifications go out on: the user's own destinations on it, and how to send one there. */
export interface NotifierChannel {
  destinations (user: StepUpUser): readonly string[]
  send (message: { user: StepUpUser, destination: string, subject: string, text: string, html: string }): Promise<void>
}

export interface NotifierChannels {
  /** The user's own verified addresses, and the mail transport. */
  email?: NotifierChannel | undefined
  /** The user's own verified phone numbers, and the app's SMS gateway. */
  sms?: NotifierChannel | undefined
}

export interface Timers {
  setTimeout (callback: () => void, ms: number): unknown
  clearTimeout (handle: unknown): void
}

export interface NotifierContext {
  store: StepUpStore
  clock: Clock
  texts: Translator
  channels: NotifierChannels
  /** Reports an outcome: to `onEvent`, and to `audit` (the log of the request that caused it) when given. */
  emit (event: NotificationEvent, audit: Audit | undefined): void
  /** Default: the global timers, not holding the process open. */
  timers?: Timers
}

/** What a notification knows of the request that caused it. */
export interface NotifyOptions {
  /** Where the request came from, for the text (and to tell a new device). */
  client?: NotificationClient | undefined
  /** The request's Accept-Language: the language when the user's profile names none. */
  acceptLanguage?: string | undefined
  /** The request's log: each outcome is reported there too, not only to `onEvent`. */
  audit?: Audit | undefined
}

const REAL_TIMERS: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout)
}

/** What the app passed on of the client, cleaned like a summary (one line, nothing invisible, bounded), so it cannot shape the mail. */
function clean (value: string | undefined, max: number): string | undefined {
  if (typeof value !== 'string') return undefined
  const text = cleanText(value, max)
  return text === '' ? undefined : text
}

export class Notifier {
  readonly #options: ResolvedNotifications
  readonly #context: NotifierContext
  readonly #timers: Timers
  readonly #inFlight = new Set<Promise<void>>()

  constructor (options: ResolvedNotifications, context: NotifierContext) {
    this.#options = options
    this.#context = context
    this.#timers = context.timers ?? REAL_TIMERS
  }

  /** Starts telling the user, beside the request: it returns at once, and never throws. */
  notify (user: StepUpUser, fact: NotificationFact, options: NotifyOptions = {}): void {
    if (!this.#wanted(fact)) return
    const job = this.#run(user, fact, options).finally(() => this.#inFlight.delete(job))
    this.#inFlight.add(job)
  }

  /** Resolves when every notification started so far has gone out or failed (for shutdown and tests). */
  async settled (): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight])
  }

  #wanted (fact: NotificationFact): boolean {
    switch (fact.kind) {
      case 'failures': return this.#options.failures !== undefined && fact.count >= this.#options.failures.after
      case 'locked': return this.#options.lockout
      case 'new-device': return this.#options.newDevice
      default: return this.#options.factorChanges
    }
  }

  async #run (user: StepUpUser, fact: NotificationFact, { client = {}, acceptLanguage, audit }: NotifyOptions): Promise<void> {
    const where = { ip: clean(client.ip, 45), userAgent: clean(client.userAgent, 200) }
    try {
      if (!await this.#due(user, fact, where)) return
    } catch {
      this.#context.emit({ type: 'notification.failed', userId: user.id, kind: fact.kind, channel: 'store', reason: 'error' }, audit)
      return
    }
    const { texts, clock } = this.#context
    const locale = texts.pick((user as { locale?: unknown }).locale, acceptLanguage)
    const shown = this.#options.client ? where : {}
    const notification = { userId: user.id, ...renderNotification(texts, locale, fact, shown, clock.now()) }
    const deliveries: Array<[channel: 'email' | 'sms' | 'app', send: () => Promise<void> | void]> = []
    for (const name of this.#options.channels) {
      const channel = this.#context.channels[name]
      for (const destination of channel?.destinations(user) ?? []) deliveries.push([name, () => channel!.send({ ...notification, user, destination })])
    }
    const send = this.#options.send
    if (send) deliveries.push(['app', () => send(notification)])
    await Promise.all(deliveries.map(([channel, deliver]) => this.#deliver(user.id, fact.kind, channel, deliver, audit)))
  }

  /**
   * Whether this fact is news: failures at most once per window, a lockout once per lock, a device
   * once (and never the user's first one, which is not "new"), factor changes always.
   */
  async #due (user: StepUpUser, fact: NotificationFact, where: NotificationClient): Promise<boolean> {
    const { store } = this.#context
    switch (fact.kind) {
      case 'failures': return store.markOnce(stateKey('notified', user.id, 'failures'), this.#options.failures!.windowMs)
      case 'locked': return store.markOnce(stateKey('notified', user.id, 'locked'), fact.minutes * 60_000)
      case 'new-device': {
        if (where.ip === undefined && where.userAgent === undefined) return false
        const device = createHash('sha256').update(`${where.ip ?? ''}\n${where.userAgent ?? ''}`).digest('base64url')
        const first = await store.markOnce(stateKey('devices', user.id), DEVICE_MEMORY_MS)
        const unseen = await store.markOnce(stateKey('device', user.id, device), DEVICE_MEMORY_MS)
        return unseen && !first
      }
      default: return true
    }
  }

  async #deliver (
    userId: string,
    kind: NotificationKind,
    channel: 'email' | 'sms' | 'app',
    deliver: () => Promise<void> | void,
    audit: Audit | undefined
  ): Promise<void> {
    let timer: unknown
    const timedOut = new Promise<'timeout'>((resolve) => { timer = this.#timers.setTimeout(() => resolve('timeout'), this.#options.timeoutMs) })
    try {
      const outcome = await Promise.race([(async () => { await deliver(); return 'sent' as const })(), timedOut])
      this.#context.emit(outcome === 'sent'
        ? { type: 'notification.sent', userId, kind, channel }
        : { type: 'notification.failed', userId, kind, channel, reason: 'timeout' }, audit)
    } catch {
      this.#context.emit({ type: 'notification.failed', userId, kind, channel, reason: 'error' }, audit)
    } finally {
      this.#timers.clearTimeout(timer)
    }
  }
}
