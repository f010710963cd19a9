import type { MethodDescriptor } from '../method.js'
import { createPinMethod } from './method.js'
import { resolvePinOptions, type PinOption, type PinOptions } from './options.js'

export const pin: MethodDescriptor<'pin', PinOption, PinOptions> = {
  name: 'pin',
  option: 'pin',
  label: 'the PIN',
  strength: 1,
  verifyErrors: [],
  resolve: resolvePinOptions,
  create: createPinMethod
}
