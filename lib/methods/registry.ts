// Every step-up method, in the order of the methods list: codes first, then the rest. Options,
// setup and the plugin options' type read this list; the routes follow the modules it builds.
// Adding a method: a folder beside the others, its name in catalog.ts, and its descriptor here.
import type { StepUpMethod } from './catalog.js'
import type { MethodContext, MethodDescriptor, StepUpMethodModule } from './method.js'
import { backupCode } from './backup-code/index.js'
import { email } from './email/index.js'
import { passkey } from './passkey/index.js'
import { password } from './password/index.js'
import { pin } from './pin/index.js'
import { securityQuestions } from './security-questions/index.js'
import { sms } from './sms/index.js'
import { totp } from './totp/index.js'

/** Each method by its name: the compiler holds these names to the catalog's, both ways. */
const REGISTRY = {
  email,
  sms,
  totp,
  'backup-code': backupCode,
  password,
  pin,
  'security-questions': securityQuestions,
  passkey
} satisfies { [Name in StepUpMethod]: MethodDescriptor<Name, any, any> }

type Descriptor = typeof REGISTRY[StepUpMethod]

/** The descriptors, in the registry's order. */
const DESCRIPTORS: readonly Descriptor[] = Object.values(REGISTRY)

type OptionOf<D> = D extends MethodDescriptor<any, infer Option, any> ? Option : never
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never

/** The plugin options that turn methods on (`email`, `totp`, `backupCodes`, ...), each typed and documented in its method's folder. */
export type MethodOptions = Intersection<OptionOf<Descriptor>>

/** The methods' keys in the plugin options, in the registry's order. */
export const METHOD_OPTION_KEYS = DESCRIPTORS.map((descriptor) => descriptor.option)

/** A method the options turn on, checked, ready to build. */
export interface EnabledMethod {
  name: StepUpMethod
  create (context: MethodContext): StepUpMethodModule
}

/** Checks each method's option, in the registry's order; the methods turned on, in that order. */
export function resolveMethods (options: MethodOptions): EnabledMethod[] {
  const enabled: EnabledMethod[] = []
  // Each descriptor keeps its own types together (its option, what `resolve` gives `create`); one
  // loop over all of them cannot keep each pairing apart, hence `any`.
  for (const descriptor of DESCRIPTORS as ReadonlyArray<MethodDescriptor<any, any, any>>) {
    const resolved = descriptor.resolve(options[descriptor.option as keyof MethodOptions])
    if (resolved !== undefined) enabled.push({ name: descriptor.name, create: (context) => descriptor.create(resolved, context) })
  }
  return enabled
}
