// The `backupCodes` option: how the app spends one of the user's stored codes.
import { keysOf } from '../../option-keys.js'
import type { StepUpUser } from '../../types.js'
import { checkMethod } from '../option-checks.js'

export interface BackupCodeOptions {
  /**
   * Deletes the backup code with this hash (see `hashBackupCode`) from the user's unused codes, in
   * one atomic step; resolves true if it was there. That deletion is what makes each code single use.
   */
  consume: (user: StepUpUser, hash: string) => boolean | Promise<boolean>
}

/** The plugin option that turns backup codes on. */
export interface BackupCodeOption {
  /** Backup codes. */
  backupCodes?: BackupCodeOptions | false
}

const BACKUP_CODE_KEYS = keysOf<BackupCodeOptions>({ consume: true })

export function resolveBackupCodeOptions (value: BackupCodeOptions | false | undefined): BackupCodeOptions | undefined {
  return checkMethod('backupCodes', value, BACKUP_CODE_KEYS, ['consume'])
}
