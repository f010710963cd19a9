// One validator for every adapter, independent of the app's ajv settings: unknown properties are
// refused, not silently removed, and nothing is coerced (a numeric code would lose its leading zeros).
// ajv is an optional peer (a Fastify app already has ajv 8; an Express app installs it), so it is
// loaded on first use, when the routes are set up: importing the package never fails without it.
import { createRequire } from 'node:module'
import type { Ajv, ErrorObject, Options } from 'ajv'
import { FST_STEP_UP_DEPENDENCY_MISSING, FST_STEP_UP_INVALID_REQUEST } from '../errors.js'

const OPTIONS: Options = { allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: false, allowUnionTypes: true }
const NEED = 'ajv 8 to validate request bodies'

type AjvConstructor = new (options: Options) => Ajv

const defaultRequire = createRequire(import.meta.url)

/**
 * ajv's constructor, resolved from this package the way a static import would be. Absent, or not
 * version 8 (an app's tooling may hoist ajv 6), it throws FST_STEP_UP_DEPENDENCY_MISSING, which
 * says what to install. `require` is a parameter so the tests can stand in for a missing ajv.
 */
export function loadAjv (require: (id: string) => unknown = defaultRequire): AjvConstructor {
  let version: string
  try {
    version = String((require('ajv/package.json') as { version?: unknown }).version)
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw err
    throw new FST_STEP_UP_DEPENDENCY_MISSING(NEED, 'npm install ajv')
  }
  if (!version.startsWith('8.')) throw new FST_STEP_UP_DEPENDENCY_MISSING(`${NEED}, found ajv ${version}`, 'npm install ajv@8')
  return (require('ajv') as { default: AjvConstructor }).default
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
