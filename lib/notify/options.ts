// The `notifications` option: which security notifications a user gets (OWASP ASVS 5.0 6.3.4 and
// 6.3.6), over which channels, and how long a channel may take.
import { toMilliseconds } from '../duration.js'
import type { Duration } from '../duration.js'
import { FST_STEP_UP_OPTION_INVALID } from '../errors.js'
import { checkKeys, keysOf } from '../option-keys.js'
import type { StepUpNotification } from './kinds.js'

export type NotificationChannel = 'email' | 'sms'

export interface FailureNotificationOptions {
  /** Tell the user once this many step-up guesses have failed in `window`. Default 3. */
  after?: number
  /** At most one such notification per user per window. Default `'1h'`. */
  window?: Duration
}

export interface NotificationOptions {
  /** Repeated failed step-ups (partial successes included: the session was someone's). Default on; false: never. */
  failures?: FailureNotificationOptions | false
  /** Step-up locked for the user. Default true. */
  lockout?: boolean
  /** A factor added or removed, backup codes renewed, a PIN changed. Default true. */
  factorChanges?: boolean
  /** A step-up that succeeded from an IP and user agent not seen for the user before. Default false. */
  newDevice?: boolean
  /** Where notifications go: each of the user's verified addresses on these channels. Default `['email']`. */
  channels?: readonly NotificationChannel[]
  /** Receives every notification, rendered (for a push service, an in-app inbox, a log). It may be async. */
  send?: (notification: StepUpNotification) => void | Promise<void>
  /** How long one delivery may take before it counts as failed. Default `'10s'`. */
  timeout?: Duration
  /**
   * Say where a request came from (the client's IP and user agent) in failure, lockout and
   * new-device notifications. Default true; false leaves them out (new devices are still told apart).
   */
  client?: boolean
}

export interface ResolvedNotifications {
  failures: { after: number, windowMs: number } | undefined
  lockout: boolean
  factorChanges: boolean
  newDevice: boolean
  channels: readonly NotificationChannel[]
  send: NotificationOptions['send']
  timeoutMs: number
  client: boolean
}

const KEYS = keysOf<NotificationOptions>({ failures: true, lockout: true, factorChanges: true, newDevice: true, channels: true, send: true, timeout: true, client: true })
const FAILURE_KEYS = keysOf<FailureNotificationOptions>({ after: true, window: true })
const CHANNELS: readonly NotificationChannel[] = ['email', 'sms']

function flag (name: string, value: boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new FST_STEP_UP_OPTION_INVALID(`notifications.${name}`, 'must be true or false')
  return value
}

/** Checks the option once; `false` turns every notification off (undefined then). */
export function resolveNotifications (given: NotificationOptions | false | undefined): ResolvedNotifications | undefined {
  if (given === false) return undefined
  const options = given ?? {}
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new FST_STEP_UP_OPTION_INVALID('notifications', 'must be an object or false')
  checkKeys('notifications', options, KEYS)
  let failures: ResolvedNotifications['failures']
  if (options.failures !== false) {
    const f = options.failures ?? {}
    checkKeys('notifications.failures', f, FAILURE_KEYS)
    const after = f.after ?? 3
    if (!Number.isInteger(after) || after < 1 || after > 100) throw new FST_STEP_UP_OPTION_INVALID('notifications.failures.after', 'must be a whole number from 1 to 100')
    failures = { after, windowMs: toMilliseconds('notifications.failures.window', f.window ?? '1h') }
  }
  const channels = options.channels ?? ['email']
  if (!Array.isArray(channels) || channels.some((channel) => !CHANNELS.includes(channel))) {
    throw new FST_STEP_UP_OPTION_INVALID('notifications.channels', `must be an array of ${CHANNELS.map((c) => `"${c}"`).join(', ')}`)
  }
  if (options.send !== undefined && typeof options.send !== 'function') throw new FST_STEP_UP_OPTION_INVALID('notifications.send', 'must be a function')
  return {
    failures,
    lockout: flag('lockout', options.lockout, true),
    factorChanges: flag('factorChanges', options.factorChanges, true),
    newDevice: flag('newDevice', options.newDevice, false),
    channels: [...new Set(channels)],
    send: options.send,
    timeoutMs: toMilliseconds('notifications.timeout', options.timeout ?? '10s'),
    client: flag('client', options.client, true)
  }
}
