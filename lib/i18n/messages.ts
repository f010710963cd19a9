// Every text the plugin writes for a person, by key, with the parameters each may use. A catalog
// (locales/<tag>.ts) words each key for one language; the app can reword any key or add a language
// (translator.ts). Error codes are not texts: they never change with the language.
import type { StepUpErrorCode } from '../errors.js'
import type { StepUpMethod } from '../methods/catalog.js'
import { METHOD_NAMES } from '../methods/catalog.generated.js'

/**
 * The parameters of each text; a catalog's function or an app's `{name}` template may use these
 * only. A name ending in `?` may be absent (a summary when the code approves no transaction; where
 * from, when the app does not pass the IP or user agent on).
 */
// One text per method, from the generated list of names (npm run generate:methods), so a new method
// needs no line here; each catalog must word it (Catalog), and MethodTextsMatchMethods checks the keys.
const METHOD_TEXTS = Object.fromEntries(METHOD_NAMES.map((name) => [`method.${name}`, []])) as unknown as { readonly [Name in StepUpMethod as `method.${Name}`]: readonly [] }

export const MESSAGE_PARAMS = {
  // A one-time code, by email and by SMS. `summary` is what the code approves (a transaction), when it approves one.
  'code.subject': [],
  'code.text': ['code', 'minutes', 'summary?'],
  'code.sms': ['code', 'minutes', 'summary?'],
  // A transaction's summary when the app words none (`actions.<name>.summary`): the action's name and
  // its key fields as the plugin lists them (sorted, values as JSON), which no language changes.
  'action.summary': ['action', 'fields?'],
  // The methods, as a person calls them: one per method folder, `method.<name>` (METHOD_TEXTS below).
  ...METHOD_TEXTS,
  // The factors a person manages (factor management), as a list shows them.
  'factor.totp': [],
  'factor.passkey': [],
  'factor.backup-codes': [],
  'factor.pin': [],
  // Security notifications: what happened, when, and from where as far as the app tells.
  'notify.failures.subject': [],
  'notify.failures.text': ['count', 'method', 'time', 'ip?', 'userAgent?'],
  'notify.locked.subject': [],
  'notify.locked.text': ['minutes', 'time', 'ip?', 'userAgent?'],
  'notify.factor-added.subject': [],
  'notify.factor-added.text': ['factor', 'time', 'ip?', 'userAgent?'],
  'notify.factor-removed.subject': [],
  'notify.factor-removed.text': ['factor', 'time', 'ip?', 'userAgent?'],
  'notify.backup-codes-renewed.subject': [],
  'notify.backup-codes-renewed.text': ['count', 'time', 'ip?', 'userAgent?'],
  'notify.pin-changed.subject': [],
  'notify.pin-changed.text': ['time', 'ip?', 'userAgent?'],
  'notify.new-device.subject': [],
  'notify.new-device.text': ['method', 'time', 'ip?', 'userAgent?'],
  // The `message` of each error a person can see (the code stays English and stable).
  'error.FST_STEP_UP_UNAUTHENTICATED': [],
  'error.FST_STEP_UP_INVALID_REQUEST': [],
  'error.FST_STEP_UP_METHOD_UNAVAILABLE': [],
  'error.FST_STEP_UP_DESTINATION_NOT_ALLOWED': [],
  'error.FST_STEP_UP_RESEND_TOO_SOON': [],
  'error.FST_STEP_UP_SEND_LIMIT': [],
  'error.FST_STEP_UP_VERIFY_LIMIT': [],
  'error.FST_STEP_UP_LOCKED': [],
  'error.FST_STEP_UP_CHALLENGE_NOT_FOUND': [],
  'error.FST_STEP_UP_CODE_INVALID': [],
  'error.FST_STEP_UP_CREDENTIAL_INVALID': [],
  'error.FST_STEP_UP_CODE_EXPIRED': [],
  'error.FST_STEP_UP_CODE_USED': [],
  'error.FST_STEP_UP_ATTEMPTS_EXHAUSTED': [],
  'error.FST_STEP_UP_PASSKEY_INVALID': [],
  'error.FST_STEP_UP_TOKEN_MISSING': [],
  'error.FST_STEP_UP_TOKEN_INVALID': [],
  'error.FST_STEP_UP_TOKEN_EXPIRED': [],
  'error.FST_STEP_UP_TOKEN_USED': [],
  'error.FST_STEP_UP_INSUFFICIENT': [],
  'error.FST_STEP_UP_SEND_FAILED': [],
  'error.FST_STEP_UP_STORE_UNAVAILABLE': [],
  'error.FST_STEP_UP_FACTOR_NOT_FOUND': [],
  'error.FST_STEP_UP_FACTOR_LIMIT': [],
  'error.FST_STEP_UP_FACTOR_BUSY': [],
  'error.FST_STEP_UP_ACTION_MISMATCH': []
} as const satisfies Record<string, readonly string[]>

export type MessageKey = keyof typeof MESSAGE_PARAMS

type Names<Key extends MessageKey> = typeof MESSAGE_PARAMS[Key][number]
type OptionalNames<Key extends MessageKey> = Names<Key> extends infer Name ? Name extends `${infer Bare}?` ? Bare : never : never

/** What a text is given: its own parameters, each a string or a number. */
export type MessageParams<Key extends MessageKey> =
  { [Name in Exclude<Names<Key>, `${string}?`>]: string | number } & { [Name in OptionalNames<Key>]?: string | number }

/** A parameter's name without the `?` that marks it optional. */
export function paramName (name: string): string {
  return name.endsWith('?') ? name.slice(0, -1) : name
}

/** Locale-aware formatting, so a catalog never writes a number, a plural or a time by hand. */
export interface Formatters {
  /** The catalog's language tag, as the text is written in it (`fr`, `de-AT`). */
  locale: string
  /** A number as the language writes it (`1 234,5`). */
  number (value: number): string
  /** A number of minutes with its unit, in the right plural form (`5 minutes`, `1 Minute`). */
  minutes (value: number): string
  /** The form of `forms` the language's plural rules pick for `count` (`other` when the rule has no form of its own). */
  plural (count: number, forms: PluralForms): string
  /** A date and time, written in full, with its time zone (UTC unless the text is given another). */
  time (value: number | Date): string
}

export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string }

/** A text: a function of its parameters, written with the formatters of its language. */
export type Message<Key extends MessageKey> = (params: MessageParams<Key>, format: Formatters) => string

/** A whole catalog: every key worded (the built-in English one must be). */
export type Catalog = { [Key in MessageKey]: Message<Key> }

/** Every error a person can see has a text of its own. */
export type ErrorMessageKeys = Extract<MessageKey, `error.${string}`>
type Holds<Condition extends true> = Condition
/** Checked by the compiler: every request error code has a text, and every error text is a code's. */
export type ErrorTextsMatchCodes = Holds<`error.${StepUpErrorCode}` extends ErrorMessageKeys ? (ErrorMessageKeys extends `error.${StepUpErrorCode}` ? true : false) : false>

/** The name of each method, as a person calls it (notifications name the method tried). */
export type MethodMessageKeys = Extract<MessageKey, `method.${string}`>
/** Checked by the compiler: every method (each folder of lib/methods/) has a name in every catalog, and every such text is a method's. */
export type MethodTextsMatchMethods = Holds<`method.${StepUpMethod}` extends MethodMessageKeys ? (MethodMessageKeys extends `method.${StepUpMethod}` ? true : false) : false>
