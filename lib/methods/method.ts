// What a method is, to the engine and to setup: the module kinds the engine runs, and the
// descriptor each method folder's index.ts exports (registry.generated.ts lists them, registry.ts reads the list).
import type { StepUpErrorCode } from '../errors.js'
import type { ResolvedOptions } from '../options.js'
import type { StepUpUser } from '../types.js'
import type { StepUpMethod, StepUpMethodCatalog } from './catalog.js'

/** A one-time code sent over a channel the user controls: email, SMS. */
export interface OtpChannel {
  kind: 'otp'
  method: StepUpMethod
  /** RFC 8176 values the token carries when this method is used. */
  amr: readonly string[]
  /** The body field that names a destination (`email`, `phone`), and its JSON schema. */
  field: string
  fieldSchema: object
  /** Where this user may receive a code right now. Empty: the method is not available to them. */
  destinations (user: StepUpUser): readonly string[]
  /**
   * True when a profile entry is exactly one destination (one plain address, one number). Anything
   * else (a list, a display name, header text) is left out, so a code never goes to extra recipients.
   */
  accepts (destination: string): boolean
  /** The form used to compare a destination the client names with the profile's. */
  normalize (destination: string): string
  /** How a destination is shown in replies. */
  mask (destination: string): string
  /**
   * Sends a security notification (already worded) over this channel to one of the user's own
   * destinations. Rejects when the transport refuses.
   */
  notify (message: { user: StepUpUser, destination: string, subject: string, text: string, html: string }): Promise<void>
  /**
   * Delivers the code. Rejects when the transport refuses. `smsText`, when a caller words this
   * code's text message itself, is used by the SMS method in place of its `text` option.
   */
  deliver (message: {
    user: StepUpUser
    destination: string
    code: string
    ttlMs: number
    action?: { name: string, data?: unknown } | undefined
    /** For a step-up for an action: what the user approves, cleaned and bounded plain text (lib/core/summary.ts). */
    summary?: string | undefined
    smsText?: ((ctx: SmsTextContext) => string) | undefined
    /** The language to write in: the user's, else their browser's, else the default (a catalog's tag). */
    locale: string
  }): Promise<void>
}

/** What the text of an SMS code is made from. */
export interface SmsTextContext {
  code: string
  expiresInMinutes: number
  user: StepUpUser
  /** The action the code approves, with its key fields, when the step-up is for one. */
  action?: { name: string, data?: unknown }
  /** What the user approves (plain text, cleaned and bounded), when the step-up is for an action: put it in the text. */
  summary?: string
  /** The language the default text is written in (`fr`): a custom text can follow it. */
  locale: string
}

/** What the methods list shows of a method besides its name (security questions list their questions). */
export interface MethodDetails {
  questions?: Array<{ id: string, question: string }>
}

/** The outcome of checking a credential. */
export type CheckResult =
  | { ok: true, /** Accept only if this number can be raised in the store (a TOTP time step). */ once?: { key: string, value: number, ttlMs: number } }
  | { ok: false }

/** A credential checked in one request, with nothing sent first: TOTP, backup code, password, PIN, answers. */
export interface CheckMethod {
  kind: 'check'
  method: StepUpMethod
  amr: readonly string[]
  /** Something the user knows (password, PIN, answers): its successes count toward `knowledgeLimit`. */
  knowledge?: true
  /**
   * Knowledge-based authentication (RFC 8176 `kba`, security questions): answers that people close
   * to the user know or can look up. Never enough for a level above the weakest, refused under every
   * ASVS profile (6.4.2), and a warning at startup whenever it is on.
   */
  knowledgeBased?: true
  /** The JSON schema of the body of `POST /<method>/verify` (an object schema; `action` is added to it). */
  body: { type: 'object', properties: object, [keyword: string]: unknown }
  /** Details for the methods list when the user can use this method now; undefined when not. */
  available (user: StepUpUser): Promise<MethodDetails | undefined>
  /** Checks the credential in the body (which passed the schema). */
  check (user: StepUpUser, body: Record<string, unknown>, nowMs: number): Promise<CheckResult>
  /** The error for a wrong credential. */
  wrong (): Error
}

/** The body of a check method: one field, required, and nothing else. */
export function oneFieldBody (field: string, schema: object): CheckMethod['body'] {
  return { type: 'object', additionalProperties: false, required: [field], properties: { [field]: schema } }
}

/**
 * OpenID Connect EAP ACR Values 1.0: `phr`, phishing-resistant; `phrh`, phishing-resistant and
 * hardware-protected (a key that cannot leave its device: a passkey that is not backup eligible).
 */
export type PhishingResistance = 'phr' | 'phrh'

/** The outcome of checking the answer to a ceremony's challenge: the token's amr depends on the answer. */
export type CeremonyResult =
  | {
    ok: true
    /** One of the method's `amrSets`. */
    amr: readonly string[]
    /** How phishing-resistant the answer was: its token's `acr` when no level is reached, and what levels and routes asking for it read. */
    phishingResistance: PhishingResistance
  }
  | { ok: false, /** Why, as a 4xx step-up error; counted toward the lockout. */ error: Error }

/**
 * A method whose client answers a challenge from the server in a second request: passkeys (WebAuthn).
 * `POST /<method>/options` makes the challenge (stored like a code's, single use), and
 * `POST /<method>/verify` checks the answer to it.
 */
export interface CeremonyMethod {
  kind: 'ceremony'
  method: StepUpMethod
  /** Every set of RFC 8176 values its tokens can carry (which one depends on the answer). */
  amrSets: ReadonlyArray<readonly string[]>
  /** The JSON schema of the answer, the `response` of `POST /<method>/verify`. */
  answer: object
  /** Details for the methods list when the user can use this method now; undefined when not. */
  available (user: StepUpUser): Promise<MethodDetails | undefined>
  /** What the client needs to answer `challenge` (random, base64url) within `ttlMs`. */
  options (user: StepUpUser, challenge: string, ttlMs: number): Promise<object>
  /**
   * Checks an answer (which passed the schema); `challengeMatches` says whether the challenge it
   * signed is the one issued. Called at most once per challenge.
   */
  check (user: StepUpUser, answer: unknown, challengeMatches: (challenge: string) => boolean): Promise<CeremonyResult>
}

export type StepUpMethodModule = OtpChannel | CheckMethod | CeremonyMethod

/** The module a method builds: of the kind the catalog gives its name, and carrying that name. */
export type ModuleOf<Name extends StepUpMethod> = Extract<StepUpMethodModule, { kind: StepUpMethodCatalog[Name]['kind'] }> & { method: Name }

/** What setup gives a method to build its module with, besides the method's own options. */
export interface MethodContext {
  /** The plugin's checked options (the code lifetime, for one). */
  options: ResolvedOptions
  /** Registers what to release when the plugin closes (a mail transport the method opened). */
  onClose (release: () => void): void
}

/**
 * One method, as the registry lists it. `Option` is the plugin option that turns it on, typed and
 * documented in the method's folder (`{ totp?: TotpOptions | false }`); StepUpOptions is made of them.
 * Besides what builds it, it carries what the route table, the OpenAPI schemas and factor changes
 * read of each method, so that no table outside the folder lists methods.
 */
export interface MethodDescriptor<Name extends StepUpMethod, Option extends object, Resolved> {
  name: Name
  /** The method's key in the plugin options: `backupCodes` for `backup-code`. */
  option: keyof Option & string
  /** How the OpenAPI summaries of its routes name the method (`an email code`: `Send an email code`, `Verify an email code`). */
  label: string
  /**
   * How strong the method is by default, for a change to a user's factors (lib/factors/strength.ts):
   * 3 phishing-resistant (passkeys), 2 possession of a device (an authenticator app), 1 anything else
   * (a knowledge factor, a recovery code, a code sent over a channel the user does not hold alone).
   */
  strength: number
  /** The errors only this method's verify route answers, by its kind (VerifyErrors), listed in its OpenAPI responses. */
  verifyErrors: VerifyErrors[StepUpMethodCatalog[Name]['kind']]
  /** Checks the option's value once, at registration, defaults filled in; undefined when the method is off. */
  resolve (value: Option[keyof Option]): Resolved | undefined
  /** The runtime module, from what `resolve` returned. */
  create (resolved: Resolved, context: MethodContext): ModuleOf<Name>
}

/**
 * The errors of a method's own, by kind: a check whose success is accepted once (a TOTP step) may
 * answer `FST_STEP_UP_CODE_USED`, others none; a ceremony's refused answer carries its own code
 * (`FST_STEP_UP_PASSKEY_INVALID`); a code method has none.
 */
export interface VerifyErrors {
  otp: readonly []
  check: readonly [] | readonly ['FST_STEP_UP_CODE_USED']
  ceremony: readonly [refusal: StepUpErrorCode]
}

/**
 * The entries a channel may send to: each exactly one address (or number), each once however the
 * profile spells it. `skipped` hears of each entry left out for not being one address.
 */
export function distinctDestinations (channel: OtpChannel, entries: readonly string[], skipped?: () => void): string[] {
  const seen = new Set<string>()
  return entries.filter((entry) => {
    if (!channel.accepts(entry)) {
      skipped?.()
      return false
    }
    const normal = channel.normalize(entry)
    if (seen.has(normal)) return false
    seen.add(normal)
    return true
  })
}

/** The amr sets a method's tokens can carry: one for most, several when the answer decides (passkeys). */
export function amrSetsOf (module: StepUpMethodModule): ReadonlyArray<readonly string[]> {
  return module.kind === 'ceremony' ? module.amrSets : [module.amr]
}

/** True when `amr` is exactly the set a method emits, so one method is never mistaken for another. */
export function amrMatches (methodAmr: readonly string[], amr: readonly string[]): boolean {
  return methodAmr.length === amr.length && methodAmr.every((value) => amr.includes(value))
}
