import type { MethodDescriptor } from '../method.js'
import { createTotpMethod } from './method.js'
import { resolveTotpOptions, type TotpOption, type ResolvedTotp } from './options.js'

export const totp: MethodDescriptor<'totp', TotpOption, ResolvedTotp> = {
  name: 'totp',
  option: 'totp',
  label: 'an authenticator app code',
  strength: 2,
  verifyErrors: ['FST_STEP_UP_CODE_USED'],
  resolve: resolveTotpOptions,
  create: createTotpMethod
}
