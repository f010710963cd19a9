// Backup codes: single-use codes the user printed at enrollment. The app stores their hashes and
// deletes one when it is used, so "used once" lives where the codes live.
import { FST_STEP_UP_CODE_INVALID } from '../../errors.js'
import { oneFieldBody, type ModuleOf } from '../method.js'
import { hashBackupCode } from './enroll.js'
import type { BackupCodeOptions } from './options.js'

/** `otp` plus the private value `backup`, so a route can tell a recovery code from an app code. */
export const BACKUP_CODE_AMR = ['otp', 'backup'] as const

export function createBackupCodeMethod (options: BackupCodeOptions): ModuleOf<'backup-code'> {
  return {
    kind: 'check',
    method: 'backup-code',
    amr: BACKUP_CODE_AMR,
    body: oneFieldBody('code', { type: 'string', minLength: 1, maxLength: 32 }),
    async available (user) {
      return user.factors?.backupCodes === true ? {} : undefined
    },
    async check (user, body) {
      return { ok: await options.consume(user, hashBackupCode(body.code as string)) === true }
    },
    wrong: () => new FST_STEP_UP_CODE_INVALID()
  }
}
