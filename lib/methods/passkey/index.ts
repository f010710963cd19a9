import type { MethodDescriptor } from '../method.js'
import { createPasskeyMethod } from './method.js'
import { resolvePasskeyOptions, type PasskeyOption, type PasskeyOptions, type ResolvedRelyingParty } from './options.js'

export const passkey: MethodDescriptor<'passkey', PasskeyOption, PasskeyOptions & ResolvedRelyingParty> = {
  name: 'passkey',
  option: 'passkey',
  resolve: resolvePasskeyOptions,
  create: createPasskeyMethod
}
