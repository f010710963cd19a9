import type { MethodDescriptor } from '../method.js'
import { createPasskeyMethod } from './method.js'
import { resolvePasskeyOptions, type PasskeyOption, type PasskeyOptions, type ResolvedRelyingParty } from './options.js'
import { requireWebAuthn } from './webauthn.js'

export const passkey: MethodDescriptor<'passkey', PasskeyOption, PasskeyOptions & ResolvedRelyingParty> = {
  name: 'passkey',
  option: 'passkey',
  label: 'a passkey',
  strength: 3,
  verifyErrors: ['FST_STEP_UP_PASSKEY_INVALID'],
  resolve: resolvePasskeyOptions,
  // Passkeys on without @simplewebauthn/server (an optional peer): fail at startup, not at the first ceremony.
  create (resolved) {
    requireWebAuthn()
    return createPasskeyMethod(resolved)
  }
}
