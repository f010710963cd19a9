// What of this method an app may use: exported from the package by lib/common.ts (one line per method).
export { BACKUP_CODE_AMR } from './method.js'
export type { BackupCodeOptions } from './options.js'
export { generateBackupCodes, hashBackupCode, normalizeBackupCode } from './enroll.js'
