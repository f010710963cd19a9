// What of this method an app may use: exported from the package by lib/common.ts (one line per method).
export { EMAIL_AMR } from './method.js'
export type { EmailOptions, EmailTemplateContext } from './options.js'
