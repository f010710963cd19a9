// One validator for every adapter, independent of the app's ajv settings: unknown properties are
// refused, not silently removed, and nothing is coerced (a numeric code would lose its leading zeros).
// ajv is an optional peer (a Fastify app already has ajv 8; an Express app installs it), so it is
// loaded on first use, when the routes are set up: importing the package never fails without it.
// Setup is synchronous (Express's createStepUp), so ajv is required, not imported.
import type { Ajv, ErrorObject, Options } from 'ajv'
import { FST_STEP_UP_DEPENDENCY_MISSING, FST_STEP_UP_INVALID_REQUEST } from '../errors.js'
import { requireOptional, type OptionalDependency, type PackageRequire } from '../optional.js'

const OPTIONS: Options = { allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: false, allowUnionTypes: true }
const AJV: OptionalDependency = { name: 'ajv', need: 'ajv 8 to validate request bodies' }

type AjvConstructor = new (options: Options) => Ajv

/**
 * ajv's constructor, resolved from this package the way a static import would be. Absent, or not
 * version 8 (an app's tooling may hoist ajv 6), it throws FST_STEP_UP_DEPENDENCY_MISSING, which
 * says what to install. `require` resolves from elsewhere in the tests (a directory without ajv,
 * or with ajv 6).
 */
export function loadAjv (require?: PackageRequire): AjvConstructor {
  // The version first, from package.json: another major is refused without being loaded.
  const version = String(requireOptional<{ version?: unknown }>(AJV, 'ajv/package.json', require).version)
  if (!version.startsWith('8.')) throw new FST_STEP_UP_DEPENDENCY_MISSING(`${AJV.need}, found ajv ${version}`, 'npm install ajv@8')
  return requireOptional<{ default: AjvConstructor }>(AJV, 'ajv', require).default
}

let ajv: Ajv | undefined

export type Validate = (data: unknown) => boolean

/** The private ajv instance, made on first use; throws FST_STEP_UP_DEPENDENCY_MISSING without ajv 8. */
export function validator (): Ajv {
  ajv ??= new (loadAjv())(OPTIONS)
  return ajv
}

export function compileSchema (schema: object): Validate & { errors?: ErrorObject[] | null } {
  return validator().compile(schema)
}

/** The error for the first problem ajv found (it stops at the first: allErrors is off). */
export function schemaError (errors: ReadonlyArray<{ instancePath: string, message?: string }>, dataVar: string): Error {
  const { instancePath, message } = errors[0]!
  return new FST_STEP_UP_INVALID_REQUEST(`${dataVar}${instancePath} ${message}`)
}
