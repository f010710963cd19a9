import type { MethodDescriptor } from '../method.js'
import { createTotpMethod } from './method.js'
import { resolveTotpOptions, type TotpOption, type ResolvedTotp } from './options.js'

export const totp: MethodDescriptor<'totp', TotpOption, ResolvedTotp> = {
  name: 'totp',
  option: 'totp',
  resolve: resolveTotpOptions,
  create: createTotpMethod
}
