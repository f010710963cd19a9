// What of this method an app may use: exported from the package by lib/common.ts (one line per method).
export { SMS_AMR } from './method.js'
export type { SmsMessage, SmsOptions } from './options.js'
