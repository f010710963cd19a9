// Every step-up method, in the order of the methods list. Options, setup and the plugin options'
// type read this list; the routes follow the modules it builds, and the route table, the OpenAPI
// summaries and the default strengths read each method's facts from its descriptor. The list itself,
// registry.generated.ts, is written by `npm run generate:methods` from the method folders (each
// folder's index.ts is its descriptor, its catalog.ts gives its place): see docs/architecture.md,
// "Adding a method".
import type { StepUpMethod } from './catalog.js'
import type { MethodContext, MethodDescriptor, StepUpMethodModule } from './method.js'
import { REGISTRY } from './registry.generated.js'

type Descriptor = typeof REGISTRY[StepUpMethod]

/** The descriptors, in the registry's order. */
export const DESCRIPTORS: readonly Descriptor[] = Object.values(REGISTRY)

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

/** A method's descriptor: what the route table, the OpenAPI schemas and factor changes read of it. */
export function descriptorOf<Name extends StepUpMethod> (name: Name): typeof REGISTRY[Name] {
  return REGISTRY[name]
}
