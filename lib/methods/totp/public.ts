// What of this method an app may use: exported from the package by lib/common.ts (one line per method).
export { TOTP_AMR } from './method.js'
export type { TotpOptions } from './options.js'
export type { TotpAlgorithm, TotpSettings } from './otp.js'
export { confirmTotpEnrollment, generateTotpSecret, totpQrCode, totpUri } from './enroll.js'
