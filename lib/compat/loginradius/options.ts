// The options of the LoginRadius-compatible routes, checked once when they are mounted, like every
// other option. The API key and secret never appear in a message: a bad one is described, not quoted.
import { FST_STEP_UP_OPTION_INVALID } from '../../errors.js'
import { checkKeys, keysOf } from '../../option-keys.js'
import type { StepUpUser } from '../../types.js'

/** What `smsTemplate` gets for the SMS code of the LoginRadius trigger call. */
export interface LoginRadiusSmsTemplateContext {
  code: string
  expiresInMinutes: number
  user: StepUpUser
  /** The `smstemplate2fa` query parameter the client sent, if any. */
  template: string | undefined
}

/** The routes that answer LoginRadius re-authentication clients (see "Migrating from LoginRadius"). */
export interface LoginRadiusOptions {
  /** The API key clients send (`apikey` query parameter, or the `X-LoginRadius-ApiKey` header). */
  apiKey: string
  /** The API secret back ends send in `X-LoginRadius-ApiSecret` to validate tokens. At least 16 characters. */
  apiSecret: string
  /** The text of the SMS code the trigger call sends. Default: the `sms.text` option (or the built-in text). */
  smsTemplate?: (ctx: LoginRadiusSmsTemplateContext) => string
}

// LoginRadius keys and secrets are GUIDs; anything printable without spaces is accepted, so a
// credential from another system fits too. The secret is long enough not to be guessed.
const API_KEY = /^[\x21-\x7e]{1,256}$/
const API_SECRET = /^[\x21-\x7e]{16,256}$/

const LOGINRADIUS_KEYS = keysOf<LoginRadiusOptions>({ apiKey: true, apiSecret: true, smsTemplate: true })

function credential (name: string, value: unknown, pattern: RegExp, rule: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw new FST_STEP_UP_OPTION_INVALID(name, rule)
  return value
}

/**
 * The checked options. `adapterKeys` are the framework's own register options (Fastify's `prefix`,
 * `logLevel`...), which are not typos; they are left out of the result.
 */
export function resolveLoginRadiusOptions (value: unknown, adapterKeys: readonly string[] = []): LoginRadiusOptions {
  if (typeof value !== 'object' || value === null) {
    throw new FST_STEP_UP_OPTION_INVALID('loginradius', 'must be an object with apiKey and apiSecret')
  }
  checkKeys('loginradius', value, [...LOGINRADIUS_KEYS, ...adapterKeys])
  const given = value as Partial<LoginRadiusOptions>
  const apiKey = credential('loginradius.apiKey', given.apiKey, API_KEY,
    'must be a string of 1 to 256 printable characters without spaces')
  const apiSecret = credential('loginradius.apiSecret', given.apiSecret, API_SECRET,
    'must be a string of 16 to 256 printable characters without spaces')
  // The key travels in URLs and front ends; a secret equal to it would be no secret.
  if (apiSecret === apiKey) throw new FST_STEP_UP_OPTION_INVALID('loginradius.apiSecret', 'must differ from apiKey')
  if (given.smsTemplate !== undefined && typeof given.smsTemplate !== 'function') {
    throw new FST_STEP_UP_OPTION_INVALID('loginradius.smsTemplate', 'must be a function')
  }
  return { apiKey, apiSecret, ...(given.smsTemplate ? { smsTemplate: given.smsTemplate } : {}) }
}
