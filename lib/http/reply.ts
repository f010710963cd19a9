import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http'
import { isStepUpError, type StepUpError } from '../errors.js'
import type { Translator } from '../i18n/translator.js'

/** A reply an adapter writes as it is. */
export interface HttpReply {
  statusCode: number
  headers: Record<string, string>
  body: Record<string, unknown>
}

/** The language of a reply's `message`: the plugin's texts, and the language picked for the request. */
export interface ReplyLanguage {
  texts: Translator
  locale: string
}

/**
 * A refusal's `message` in the person's language: the catalogs' `error.<code>` text. In English it
 * stays the error's own message, which names details for developers (which field, which method),
 * unless the app worded that error in English itself. The `code` never changes with the language.
 */
function messageOf (err: StepUpError, language: ReplyLanguage): string {
  const key = `error.${err.code}` as const
  if (language.locale.split('-')[0] === 'en' && !language.texts.reworded(language.locale, key)) return err.message
  return language.texts.text(language.locale, key, {})
}

/** The language for a request: the user's `locale` when `getUser` has answered, else the request's Accept-Language. */
export function requestLanguage (texts: Translator, user: { locale?: unknown } | undefined, headers: IncomingHttpHeaders): ReplyLanguage {
  return { texts, locale: texts.pick(user?.locale, headers['accept-language']) }
}

/** The reply for a step-up error; undefined for any other error, which stays the app's to handle. */
export function errorReply (err: unknown, language: ReplyLanguage): HttpReply | undefined {
  if (!isStepUpError(err)) return undefined
  // A refused change token (lib/factors/change.ts) carries the guard's hint of what would satisfy it.
  const { stepUp } = err as { stepUp?: object }
  return {
    statusCode: err.statusCode,
    headers: err.headers ?? {},
    body: {
      statusCode: err.statusCode,
      code: err.code,
      error: STATUS_CODES[err.statusCode],
      message: messageOf(err, language),
      ...(stepUp === undefined ? {} : { stepUp })
    }
  }
}

/** What a reply is written on: Fastify's reply and Express's response both have these three. */
export interface ReplyWriter<Sent> {
  status (statusCode: number): unknown
  header (name: string, value: string): unknown
  send (body: Record<string, unknown>): Sent
}

/** Writes a reply as it is (the body as JSON); hands back what the framework's `send` returns. */
export function send<Sent> (writer: ReplyWriter<Sent>, { statusCode, headers, body }: HttpReply): Sent {
  writer.status(statusCode)
  for (const name in headers) writer.header(name, headers[name]!)
  return writer.send(body)
}

/** Where an adapter logs: Fastify's `request.log` (pino) and the Express adapter's `logger` both fit. */
export interface AdapterLog {
  info (details: object, message: string): void
  error (details: object, message: string): void
}

/**
 * The one log line for a request the plugin answered with an error, on every adapter: a refusal at
 * info, a failure (5xx: a store or sender that failed) at error with the error itself under `err`,
 * whose `cause` is the original failure. `details` name the reply's code (the compatible routes
 * give theirs).
 */
export function logRefusal (log: AdapterLog, reply: HttpReply, err: unknown, details: object = { code: reply.body.code }): void {
  if (reply.statusCode >= 500) log.error({ ...details, err }, 'step-up failed')
  else log.info(details, 'step-up refused')
}
