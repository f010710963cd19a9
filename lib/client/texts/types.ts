// The words of a step-up dialog, for an app to build its own in the user's language: what each
// method is called, each step's labels, and what to say when a call is refused. The browser
// helper has no dialog of its own; the web example's is built on these.
import type { CodeMethodName, FieldMethodName, StepUpErrorCode, StepUpMethodName } from '../types.js'

/** What a refusal text may use: the method tried, a wait already in words, the reason a passkey was refused. */
export interface RefusalContext {
  method?: StepUpMethodName | undefined
  /** The wait of a 429, in words ("2 minutes"): `DialogTexts.duration` makes it. */
  wait?: string | undefined
  /** The HTTP status of an unexpected answer. */
  status?: number | undefined
  /** The server's few fixed words on why a passkey was refused ("it was made on another origin"). */
  reason?: string | undefined
}

/** A refusal the browser makes itself, not the server. */
export type BrowserRefusal = 'network' | 'passkey-cancelled' | 'passkey-insecure' | 'passkey-unsupported' | 'unexpected'

export interface DialogTexts {
  /** The language these are in (`fr`). */
  locale: string
  /** Each method's name and a line on how it works. */
  method: Record<StepUpMethodName, { label: string, hint: string }>
  /** The label of the one field a credential method asks for (the compiler asks for a new method's). */
  field: Record<FieldMethodName, string>
  title: string
  loading: string
  noMethod: string
  chooseHow: string
  /** "Email the code to" / "Text the code to". */
  sendTo (channel: CodeMethodName): string
  continue: string
  usePasskey: string
  waitingForPasskey: string
  sending: string
  checking: string
  digitsOnly: string
  fillEveryField: string
  codeLabel: string
  verify: string
  cancel: string
  sendNewCode: string
  chooseAnother: string
  /** "We emailed a code to" + the masked address (shown apart) + ". It works for 5 minutes." (`duration` in words) */
  codeSent (channel: CodeMethodName, duration: string): { before: string, after: string }
  newCodeSent (destination: string): string
  /** A button's countdown: "Try again in 0:42", "New code in 0:42". */
  tryAgainIn (countdown: string): string
  newCodeIn (countdown: string): string
  /** The heading over a transaction's summary: "You are approving". */
  approving: string
  /** A wait in words: "30 seconds", "1 minute 30 seconds", "15 minutes". */
  duration (seconds: number): string
  /** What to tell a person when a call is refused, by the server's code or the browser's own refusal. */
  refusal (code: StepUpErrorCode | BrowserRefusal, context?: RefusalContext): string
}

/** The words of one language; `dialogTexts` adds what every language shares (Intl for units, the look-up of refusals). */
export type Words = Omit<DialogTexts, 'locale' | 'duration' | 'refusal'> & {
  /** Every refusal's text: the compiler holds this table to the error codes. */
  refusals: Record<StepUpErrorCode | BrowserRefusal, (context: RefusalContext) => string>
  /** "1 minute 30 seconds": how the language joins two units. */
  joinDuration (minutes: string, seconds: string): string
}
