// One fact of each notification kind, as the mail preview renders them and the notification tests
// send them. Keyed by kind, so the compiler asks for a sample when a kind is added.
import type { NotificationFact, NotificationKind } from '../lib/notify/kinds.js'

const SAMPLES: { [Kind in NotificationKind]: Extract<NotificationFact, { kind: Kind }> } = {
  failures: { kind: 'failures', method: 'totp', count: 4 },
  locked: { kind: 'locked', method: 'email', minutes: 15 },
  'factor-added': { kind: 'factor-added', factor: 'passkey' },
  'factor-removed': { kind: 'factor-removed', factor: 'totp' },
  'backup-codes-renewed': { kind: 'backup-codes-renewed', count: 10 },
  'pin-changed': { kind: 'pin-changed' },
  'new-device': { kind: 'new-device', method: 'passkey' }
}

/** Every kind once, in a fixed order. */
export const SAMPLE_FACTS: readonly NotificationFact[] = Object.values(SAMPLES)
