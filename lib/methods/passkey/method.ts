// Passkeys and security keys (WebAuthn). The app keeps each user's credentials (public keys,
// counters); the plugin keeps the challenge (single use, bound to user and session) and counts a
// refused assertion toward the same lockout as a wrong code.
import type { AuthenticationResponseJSON } from '@simplewebauthn/server'
import { FST_STEP_UP_PASSKEY_INVALID } from '../../errors.js'
import type { ModuleOf, PhishingResistance } from '../method.js'
import type { PasskeyOptions, ResolvedRelyingParty } from './options.js'
import { COUNTER_REASON, passkeyRefusal, toBytes, webAuthn } from './webauthn.js'
import { base64url, credentialSchema } from './schema.js'

/**
 * RFC 8176: `hwk` (a hardware-secured key: a security key) or `swk` (a software-secured key: a synced
 * or platform passkey), plus `user` when the authenticator verified the user (PIN, biometrics), and
 * always `pop` (OpenID Connect EAP: proof of possession of a key, which is what makes a passkey
 * phishing-resistant: the signature covers the origin).
 */
export const PASSKEY_AMR_SETS = [['hwk', 'user', 'pop'], ['swk', 'user', 'pop'], ['hwk', 'pop'], ['swk', 'pop']] as const

/** Transports only a roaming authenticator (a security key) uses. */
const ROAMING = new Set(['usb', 'nfc', 'ble', 'smart-card'])

/**
 * `hwk` only for a security key: a single-device credential (its key can never leave the
 * authenticator, as the signed authenticator data says) whose registered transports are all roaming
 * ones. Anything else is `swk`: a synced passkey, a platform authenticator (`internal`, `hybrid`),
 * or a credential whose transports the app did not keep. In doubt, the weaker claim.
 */
export function passkeyAmr (deviceType: 'singleDevice' | 'multiDevice', userVerified: boolean, transports: readonly string[] | undefined): string[] {
  const securityKey = deviceType === 'singleDevice' && transports !== undefined && transports.length > 0 &&
    transports.every((transport) => ROAMING.has(transport))
  return [securityKey ? 'hwk' : 'swk', ...(userVerified ? ['user'] : []), 'pop']
}

/**
 * `phrh` only for a device-bound credential: not backup eligible (BE = 0, which @simplewebauthn
 * reports as `singleDevice`) and not backed up, so its private key cannot have left the
 * authenticator. A synced passkey (BE or BS set) is `phr`: still bound to the origin, but its key
 * lives in a cloud account too.
 */
export function passkeyPhishingResistance (deviceType: 'singleDevice' | 'multiDevice', backedUp: boolean): PhishingResistance {
  return deviceType === 'singleDevice' && !backedUp ? 'phrh' : 'phr'
}

/** An assertion as the browser's `PublicKeyCredential.toJSON()` (or @simplewebauthn/browser) gives it. */
const assertionSchema = credentialSchema({
  type: 'object',
  additionalProperties: false,
  required: ['clientDataJSON', 'authenticatorData', 'signature'],
  properties: {
    clientDataJSON: base64url(4096),
    authenticatorData: base64url(4096),
    signature: base64url(4096),
    userHandle: { anyOf: [base64url(128), { type: 'null' }] },
    attestationObject: base64url(4096)
  }
})

export function createPasskeyMethod (options: PasskeyOptions & ResolvedRelyingParty): ModuleOf<'passkey'> {
  return {
    kind: 'ceremony',
    method: 'passkey',
    amrSets: PASSKEY_AMR_SETS,
    answer: assertionSchema,
    async available (user) {
      return (await options.getCredentials(user)).length > 0 ? {} : undefined
    },
    async options (user, challenge, ttlMs) {
      const { generateAuthenticationOptions } = await webAuthn()
      const credentials = await options.getCredentials(user)
      return generateAuthenticationOptions({
        rpID: options.rpID,
        challenge: toBytes(challenge),
        allowCredentials: credentials.map(({ id, transports }) => ({ id, ...(transports ? { transports: [...transports] } : {}) })),
        userVerification: options.userVerification,
        timeout: ttlMs
      })
    },
    async check (user, answer, challengeMatches) {
      const response = answer as AuthenticationResponseJSON
      const credential = (await options.getCredentials(user)).find(({ id }) => id === response.id)
      if (!credential) return { ok: false, error: new FST_STEP_UP_PASSKEY_INVALID('it is not registered for this account') }
      const { verifyAuthenticationResponse } = await webAuthn()
      let verified
      try {
        verified = await verifyAuthenticationResponse({
          response,
          expectedChallenge: challengeMatches,
          expectedOrigin: options.origins,
          expectedRPID: options.rpID,
          credential: { id: credential.id, publicKey: toBytes(credential.publicKey), counter: credential.counter },
          requireUserVerification: options.userVerification === 'required'
        })
      } catch (err) {
        return { ok: false, error: passkeyRefusal(err) }
      }
      if (!verified.verified) return { ok: false, error: new FST_STEP_UP_PASSKEY_INVALID('its signature is not valid') }
      const { newCounter, credentialDeviceType, credentialBackedUp, userVerified } = verified.authenticationInfo
      // Authenticators that do not count say 0 every time; there is nothing to store then.
      if (newCounter > 0 && await options.updateCounter(user, credential.id, newCounter) === false) {
        return { ok: false, error: new FST_STEP_UP_PASSKEY_INVALID(COUNTER_REASON) }
      }
      return {
        ok: true,
        amr: passkeyAmr(credentialDeviceType, userVerified, credential.transports),
        phishingResistance: passkeyPhishingResistance(credentialDeviceType, credentialBackedUp)
      }
    }
  }
}
