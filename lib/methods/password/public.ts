// What of this method an app may use: exported from the package by lib/common.ts (one line per method).
export { PASSWORD_AMR } from './method.js'
export type { PasswordOptions } from './options.js'
