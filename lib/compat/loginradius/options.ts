// The `compat` option, checked once at registration like every other option. The API key and
// secret never appear in a message: a bad one is described, not quoted.
import { FST_STEP_UP_OPTION_INVALID } from '../../errors.js'
import { checkKeys, keysOf } from '../../option-keys.js'
import type { CompatOptions, LoginRadiusCompatOptions } from '../../types.js'

export interface ResolvedCompat {
  /** The LoginRadius-compatible routes, when switched on. */
  loginradius: LoginRadiusCompatOptions | undefined
}

// LoginRadius keys and secrets are GUIDs; anything printable without spaces is accepted, so a
// credential from another system fits too. The secret is long enough not to be guessed.
const API_KEY = /^[\x21-\x7e]{1,256}$/
const API_SECRET = /^[\x21-\x7e]{16,256}$/

const COMPAT_KEYS = keysOf<CompatOptions>({ loginradius: true })
const LOGINRADIUS_KEYS = keysOf<LoginRadiusCompatOptions>({ apiKey: true, apiSecret: true, smsTemplate: true })

function credential (name: string, value: unknown, pattern: RegExp, rule: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw new FST_STEP_UP_OPTION_INVALID(name, rule)
  return value
}

function checkLoginRadius (value: LoginRadiusCompatOptions | false | undefined): LoginRadiusCompatOptions | undefined {
  if (value === undefined || value === false) return undefined
  if (typeof value !== 'object' || value === null) {
    throw new FST_STEP_UP_OPTION_INVALID('compat.loginradius', 'must be an object with apiKey and apiSecret, or false')
  }
  checkKeys('compat.loginradius', value, LOGINRADIUS_KEYS)
  const apiKey = credential('compat.loginradius.apiKey', value.apiKey, API_KEY,
    'must be a string of 1 to 256 printable characters without spaces')
  const apiSecret = credential('compat.loginradius.apiSecret', value.apiSecret, API_SECRET,
    'must be a string of 16 to 256 printable characters without spaces')
  // The key travels in URLs and front ends; a secret equal to it would be no secret.
  if (apiSecret === apiKey) throw new FST_STEP_UP_OPTION_INVALID('compat.loginradius.apiSecret', 'must differ from apiKey')
  if (value.smsTemplate !== undefined && typeof value.smsTemplate !== 'function') {
    throw new FST_STEP_UP_OPTION_INVALID('compat.loginradius.smsTemplate', 'must be a function')
  }
  return { apiKey, apiSecret, ...(value.smsTemplate ? { smsTemplate: value.smsTemplate } : {}) }
}

export function resolveCompat (compat: CompatOptions | undefined): ResolvedCompat {
  if (compat === undefined) return { loginradius: undefined }
  if (typeof compat !== 'object' || compat === null) throw new FST_STEP_UP_OPTION_INVALID('compat', 'must be an object')
  checkKeys('compat', compat, COMPAT_KEYS)
  return { loginradius: checkLoginRadius(compat.loginradius) }
}
