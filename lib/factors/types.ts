// Factor management, as the app sees it: the kinds of factor, what the plugin hands the app to save
// and what the app lists back, the storage interface the app implements, and the `factors` option.
// The app owns where factors live; the plugin owns the rules for changing them.
import type { Duration } from '../duration.js'
import type { RegisteredPasskey } from '../methods/passkey/enroll.js'
import type { PasskeyCredential, PasskeyRelyingParty } from '../methods/passkey/options.js'
import type { TotpAlgorithm } from '../methods/totp/otp.js'
import type { StepUpMethod, StepUpUser } from '../types.js'

/** What the plugin manages: authenticator apps, passkeys, one set of backup codes, one PIN. */
export type FactorKind = 'totp' | 'passkey' | 'backup-codes' | 'pin'

/** What every factor has, as the plugin hands it to `save`. */
export interface NewFactorFields {
  /** 128 random bits, base64url (22 characters), made by the plugin: the `:id` of `DELETE /factors/:id`. */
  id: string
  /** The user's name for it: plain text, 1 to 64 characters (no control characters, no `<` or `>`). */
  label: string
  createdAt: Date
}

/** A factor to save. Each kind carries what its step-up checks need; none of it ever leaves the server. */
export type NewFactor =
  /** `secret`: the base32 secret. Encrypt it at rest: it is what the authenticator app knows. */
  | NewFactorFields & { kind: 'totp', secret: string }
  /** `credential`: what the registration verified (keep `credential.id` unique across all users). */
  | NewFactorFields & { kind: 'passkey', credential: RegisteredPasskey }
  /** `hash`: the PIN's scrypt hash (`hashPin`). */
  | NewFactorFields & { kind: 'pin', hash: string }
  /** `hashes`: the SHA-256 of each code (`hashBackupCode`); the codes are shown to the user once. */
  | NewFactorFields & { kind: 'backup-codes', hashes: string[] }

/** What every factor has, as `list` gives it back. Times as a Date or epoch milliseconds. */
export interface StoredFactorFields {
  id: string
  label: string
  createdAt: Date | number
  /** When a step-up last used it; null or absent when never. */
  lastUsedAt?: Date | number | null
}

/** A factor as `list` returns it. Backup codes are listed by how many are left, not by their hashes. */
export type StoredFactor =
  | StoredFactorFields & { kind: 'totp', secret: string }
  | StoredFactorFields & { kind: 'passkey', credential: PasskeyCredential & Partial<Omit<RegisteredPasskey, keyof PasskeyCredential>> }
  | StoredFactorFields & { kind: 'pin', hash: string }
  | StoredFactorFields & { kind: 'backup-codes', remaining: number }

/**
 * Where the app keeps its users' factors. Each call is one atomic step on the app's side (one SQL
 * statement, or one transaction). The plugin keeps no copy: a step-up asks `list` every time, so a
 * factor removed here stops working at once on every instance, and one saved here works at once.
 */
export interface FactorStorage {
  /** The user's factors, with what their checks need (the plugin never sends a secret or hash out). */
  list (user: StepUpUser): readonly StoredFactor[] | Promise<readonly StoredFactor[]>
  /**
   * Saves a new factor and, in the same transaction, deletes the user's factors whose ids are in
   * `replaces` (the old PIN, the old set of backup codes). Resolves false, saving nothing, when the
   * factor is a passkey whose `credential.id` is already registered, to this user or any other
   * (a unique constraint); true otherwise.
   */
  save (user: StepUpUser, factor: NewFactor, replaces: readonly string[]): boolean | Promise<boolean>
  /** Deletes the user's factor with this id (and, for backup codes, its codes); true if it was there. */
  remove (user: StepUpUser, id: string): boolean | Promise<boolean>
  /**
   * Records a step-up with the factor: `at`, and for a passkey that counts, its new signature
   * counter. With `counter`, store it only if the stored one is lower, and resolve false otherwise
   * (a conditional update: the step-up is then refused, as a cloned key would be).
   */
  markUsed (user: StepUpUser, id: string, use: { at: Date, counter?: number }): boolean | void | Promise<boolean | void>
  /**
   * Deletes the backup code with this hash from the user's set `factorId`, atomically; true if it was
   * there. That deletion is what makes each code single use. Needed with `factors.backupCodes`.
   */
  useBackupCode? (user: StepUpUser, factorId: string, hash: string): boolean | Promise<boolean>
}

/** Authenticator apps kept in the factor storage. */
export interface ManagedTotpOptions {
  /** The issuer the authenticator app shows (the otpauth:// URI's). No colon. Default: the plugin's `issuer`. */
  issuer?: string
  /** The account name the authenticator app shows. No colon. Default: the user's first email, else their id. */
  accountName?: (user: StepUpUser) => string
  /** Default `'SHA1'`, which every authenticator app supports. */
  algorithm?: TotpAlgorithm
  /** Default 6. */
  digits?: 6 | 8
  /** Authenticator apps per user, 1 to 20. Default 2. */
  max?: number
}

/** Passkeys kept in the factor storage: the relying party, and how many a user may register. */
export interface ManagedPasskeyOptions extends PasskeyRelyingParty {
  /** Passkeys per user, 1 to 50. Default 10. */
  max?: number
  /** The account name the authenticator shows. Default: the user's first email, else their id. */
  userName?: (user: StepUpUser) => string
}

/** One set of backup codes per user; a new set replaces the old one. */
export interface ManagedBackupCodeOptions {
  /** Codes per set, 1 to 50. Default 10. */
  count?: number
}

/** What a change to a user's factors needs. */
export interface FactorChangeOptions {
  /** How recent the step-up must be. Default `'5m'`. */
  maxAge?: Duration
  /**
   * The methods whose step-up may enroll a user's first factor (a user with no factor in the
   * storage yet). Default `['password']`. Each must be enabled.
   */
  firstFactor?: readonly StepUpMethod[]
  /**
   * How strong each method is: a change needs a step-up with a method at least as strong as the
   * strongest factor the user has. Merged over the defaults: passkey 3, totp 2, every other method 1.
   */
  strength?: Partial<Record<StepUpMethod, number>>
  /** Only a step-up made for this action may change factors. Default: any step-up made for no action. */
  action?: string
}

/** A change to a user's factors, as an audit event and as `onChange` receives it. Never a secret or a label. */
export type FactorChange =
  | FactorChangeFields & { type: 'factor.added' }
  | FactorChangeFields & { type: 'factor.removed' }
  /** A new set of backup codes replaced the old one (the first set is `factor.added`). */
  | FactorChangeFields & { type: 'backup-codes.renewed', count: number }
  /** A new PIN replaced the old one (the first PIN is `factor.added`). */
  | FactorChangeFields & { type: 'pin.changed' }

export interface FactorChangeFields {
  userId: string
  sessionId: string
  kind: FactorKind
  factorId: string
  /** The step-up method whose token allowed the change. */
  method: StepUpMethod
  /** That token's id. */
  jti: string
}

/** The `factors` option: factor management on, with the app's storage. */
export interface FactorOptions {
  storage: FactorStorage
  /** Authenticator apps. `true`: the defaults. */
  totp?: ManagedTotpOptions | boolean
  /** Passkeys, for this relying party. */
  passkey?: ManagedPasskeyOptions | false
  /** Backup codes. `true`: the defaults. */
  backupCodes?: ManagedBackupCodeOptions | boolean
  /** A PIN. */
  pin?: boolean
  change?: FactorChangeOptions
  /** How long an enrollment may take from its start (the QR code, the passkey options). Default `'10m'`, at most `'1h'`. */
  enrollmentTtl?: Duration
  /**
   * Called after each change is saved (and after `endOtherSessions`): the place to notify the user.
   * A rejection goes to your error handler; the change is saved either way.
   */
  onChange?: (change: FactorChange, user: StepUpUser) => void | Promise<void>
  /**
   * Ends the user's other sessions (all but `user.sessionId`) after each change to their factors
   * (OWASP ASVS 7.4.3). Without it, other sessions stay open.
   */
  endOtherSessions?: (user: StepUpUser) => void | Promise<void>
}

/** The plugin option that turns factor management on. */
export interface FactorOption {
  /** Factor management: routes to enroll and remove factors, kept in the app's storage. */
  factors?: FactorOptions | false
}
