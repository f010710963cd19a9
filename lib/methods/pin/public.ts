// What of this method an app may use: exported from the package by lib/common.ts (one line per method).
export { PIN_AMR } from './method.js'
export type { PinOptions } from './options.js'
export { hashPin, verifyPin } from './enroll.js'
