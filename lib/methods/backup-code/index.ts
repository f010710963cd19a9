import type { MethodDescriptor } from '../method.js'
import { createBackupCodeMethod } from './method.js'
import { resolveBackupCodeOptions, type BackupCodeOption, type BackupCodeOptions } from './options.js'

export const backupCode: MethodDescriptor<'backup-code', BackupCodeOption, BackupCodeOptions> = {
  name: 'backup-code',
  option: 'backupCodes',
  label: 'a backup code',
  strength: 1,
  verifyErrors: [],
  resolve: resolveBackupCodeOptions,
  create: createBackupCodeMethod
}
