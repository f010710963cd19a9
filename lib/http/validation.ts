// One validator for every adapter, independent of the app's ajv settings: unknown properties are
// refused, not silently removed, and nothing is coerced (a numeric code would lose its leading zeros).
import { Ajv, type ErrorObject } from 'ajv'
import { FST_STEP_UP_INVALID_REQUEST } from '../errors.js'

const ajv = new Ajv({ allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: false, allowUnionTypes: true })

export type Validate = (data: unknown) => boolean

export function compileSchema (schema: object): Validate & { errors?: ErrorObject[] | null } {
  return ajv.compile(schema)
}

/** The error for the first problem ajv found (it stops at the first: allErrors is off). */
export function schemaError (errors: ReadonlyArray<{ instancePath: string, message?: string }>, dataVar: string): Error {
  const { instancePath, message } = errors[0]!
  return new FST_STEP_UP_INVALID_REQUEST(`${dataVar}${instancePath} ${message}`)
}
