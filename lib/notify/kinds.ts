// What a user is told, and what the app's `send` callback receives.
import type { FactorKind } from '../factors/types.js'
import type { StepUpMethod } from '../types.js'

/** What happened, with what the text says of it. Never a code, a token or another address. */
export type NotificationFact =
  | { kind: 'failures', method: StepUpMethod, count: number }
  | { kind: 'locked', method: StepUpMethod, minutes: number }
  | { kind: 'factor-added', factor: FactorKind }
  | { kind: 'factor-removed', factor: FactorKind }
  | { kind: 'backup-codes-renewed', count: number }
  | { kind: 'pin-changed' }
  | { kind: 'new-device', method: StepUpMethod }

export type NotificationKind = NotificationFact['kind']

/** Where the request came from, as far as the app passes it on. */
export interface NotificationClient {
  ip?: string | undefined
  userAgent?: string | undefined
}

/** A notification as the app's `send` callback gets it: rendered in the user's language. */
export interface StepUpNotification {
  kind: NotificationKind
  userId: string
  /** The language it is written in. */
  locale: string
  /** When it happened (milliseconds since the epoch). */
  time: number
  subject: string
  text: string
  html: string
}

/** What the notifier reports: each delivery that went out or failed (never its text). */
export type NotificationEvent =
  | { type: 'notification.sent', userId: string, kind: NotificationKind, channel: 'email' | 'sms' | 'app' }
  | { type: 'notification.failed', userId: string, kind: NotificationKind, channel: 'email' | 'sms' | 'app' | 'store', reason: 'error' | 'timeout' }

/** What a change to the user's factors (factor management) tells them. */
export function factorChangeFact (change: { type: 'factor.added' | 'factor.removed' | 'backup-codes.renewed' | 'pin.changed', kind: FactorKind, count?: number }): NotificationFact {
  switch (change.type) {
    case 'factor.added': return { kind: 'factor-added', factor: change.kind }
    case 'factor.removed': return { kind: 'factor-removed', factor: change.kind }
    case 'backup-codes.renewed': return { kind: 'backup-codes-renewed', count: change.count ?? 0 }
    case 'pin.changed': return { kind: 'pin-changed' }
  }
}
