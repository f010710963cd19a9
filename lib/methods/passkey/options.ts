// The `passkey` option: the relying party (the site passkeys are made for), checked the same way for
// the option and for the enrollment helpers, and where the app keeps each user's passkeys.
import { FST_STEP_UP_OPTION_INVALID } from '../../errors.js'
import { keysOf } from '../../option-keys.js'
import type { StepUpUser } from '../../types.js'
import { checkMethod } from '../option-checks.js'

/** A passkey the app keeps for a user: what `verifyPasskeyRegistration` returned, with the counter kept up to date. */
export interface PasskeyCredential {
  /** The credential id, base64url. */
  id: string
  /** The credential's public key in COSE form, base64url (or its bytes). */
  publicKey: string | Uint8Array
  /** The signature counter as last stored (0 for authenticators that do not count). */
  counter: number
  /**
   * How the browser said it reaches the authenticator (`'usb'`, `'nfc'`, `'ble'`, `'smart-card'`,
   * `'internal'`, `'hybrid'`). Passed on to the browser, and decides `hwk` or `swk` in `amr`.
   */
  transports?: readonly string[]
}

/** The relying party: the site passkeys are made for. The enrollment helpers take the same object. */
export interface PasskeyRelyingParty {
  /** The RP ID: the site's domain (or a parent domain of it), such as `'example.com'`. No scheme or port. */
  rpID: string
  /** The name browsers show when a passkey is made. Default: `rpID`. */
  rpName?: string
  /** The origin(s) pages run on, such as `'https://example.com'`: each on `rpID` or one of its subdomains. */
  origin: string | readonly string[]
  /** `'required'` (default): the authenticator must verify the user (PIN, biometrics). `'preferred'`: presence is enough. */
  userVerification?: 'required' | 'preferred'
}

export interface PasskeyOptions extends PasskeyRelyingParty {
  /** The user's registered passkeys, from the app's store; empty when there are none. */
  getCredentials: (user: StepUpUser) => readonly PasskeyCredential[] | Promise<readonly PasskeyCredential[]>
  /**
   * Stores a credential's new signature counter after a successful assertion (called only when the
   * authenticator counts, that is, the counter is above 0). Return false when the stored counter is
   * already at or above it (a conditional update): the step-up is then refused, as a cloned key would be.
   */
  updateCounter: (user: StepUpUser, credentialId: string, counter: number) => boolean | void | Promise<boolean | void>
}

/** The plugin option that turns passkeys on. */
export interface PasskeyOption {
  /** Passkeys and security keys (WebAuthn). */
  passkey?: PasskeyOptions | false
}

const PASSKEY_KEYS = keysOf<PasskeyOptions>({
  rpID: true, rpName: true, origin: true, userVerification: true, getCredentials: true, updateCounter: true
})

export interface ResolvedRelyingParty {
  rpID: string
  rpName: string
  origins: string[]
  userVerification: 'required' | 'preferred'
}

/** A domain name in lower case (WebAuthn hashes the RP ID as given, so case matters). */
const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/

/** An http(s) origin, written as browsers write it, on the RP ID or a subdomain of it. */
function onSite (origin: unknown, rpID: string): boolean {
  if (typeof origin !== 'string' || !URL.canParse(origin)) return false
  const url = new URL(origin)
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === origin &&
    (url.hostname === rpID || url.hostname.endsWith(`.${rpID}`))
}

/** Checks the relying-party settings (the `passkey` option, or what the enrollment helpers get). */
export function resolveRelyingParty (name: string, given: PasskeyRelyingParty): ResolvedRelyingParty {
  if (typeof given !== 'object' || given === null) throw new FST_STEP_UP_OPTION_INVALID(name, 'must be an object')
  const { rpID, rpName = rpID, origin, userVerification = 'required' } = given
  // Browsers refuse an IP address as an RP ID (use localhost in development).
  if (typeof rpID !== 'string' || !DOMAIN.test(rpID) || /^[\d.]+$/.test(rpID)) {
    throw new FST_STEP_UP_OPTION_INVALID(`${name}.rpID`, 'must be a domain name in lower case, such as "example.com", with no scheme or port')
  }
  if (typeof rpName !== 'string' || !/^.{1,200}$/.test(rpName)) {
    throw new FST_STEP_UP_OPTION_INVALID(`${name}.rpName`, 'must be a string of 1 to 200 characters')
  }
  const origins: unknown = typeof origin === 'string' ? [origin] : origin
  if (!Array.isArray(origins) || origins.length === 0 || origins.length > 20) {
    throw new FST_STEP_UP_OPTION_INVALID(`${name}.origin`, 'must be an origin, or an array of 1 to 20 origins')
  }
  const stranger = origins.find((one) => !onSite(one, rpID))
  if (stranger !== undefined) {
    throw new FST_STEP_UP_OPTION_INVALID(`${name}.origin`,
      `has ${JSON.stringify(String(stranger).slice(0, 100))}, which is not an http(s) origin (no path) on ${rpID} or a subdomain of it`)
  }
  if (userVerification !== 'required' && userVerification !== 'preferred') {
    throw new FST_STEP_UP_OPTION_INVALID(`${name}.userVerification`, 'must be "required" or "preferred"')
  }
  return { rpID, rpName, origins: [...origins] as string[], userVerification }
}

export function resolvePasskeyOptions (value: PasskeyOptions | false | undefined): (PasskeyOptions & ResolvedRelyingParty) | undefined {
  const passkey = checkMethod('passkey', value, PASSKEY_KEYS, ['getCredentials', 'updateCounter'])
  return passkey && { ...passkey, ...resolveRelyingParty('passkey', passkey) }
}
