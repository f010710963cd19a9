import type { MethodDescriptor } from '../method.js'
import { createPasswordMethod } from './method.js'
import { resolvePasswordOptions, type PasswordOption, type PasswordOptions } from './options.js'

export const password: MethodDescriptor<'password', PasswordOption, PasswordOptions> = {
  name: 'password',
  option: 'password',
  label: 'the password',
  strength: 1,
  verifyErrors: [],
  resolve: resolvePasswordOptions,
  create: createPasswordMethod
}
