// What of this method an app may use: exported from the package by lib/common.ts (one line per method).
export { PASSKEY_AMR_SETS, passkeyAmr } from './method.js'
export type { PasskeyCredential, PasskeyOptions, PasskeyRelyingParty } from './options.js'
export { passkeyRegistrationOptions, verifyPasskeyRegistration } from './enroll.js'
export type { PasskeyCreationOptionsJSON, PasskeyRegistrationInput, PasskeyRegistrationJSON, RegisteredPasskey } from './enroll.js'
