// JSON schemas of the step-up routes: one source of truth for validation, documentation and
// serialization. Bodies reject unknown properties and every string has a length bound. Each has the
// summary and operationId an OpenAPI document shows; the error responses come from the route table
// (lib/http/routes.ts), which knows the codes each route can answer with.
import { NAME_PATTERN } from '../core/names.js'
import { descriptorOf } from '../methods/registry.js'
import type { StepUpMethod } from '../types.js'

/** A method's name inside an operationId: `backup-code` is `BackupCode`. */
const pascal = (method: string): string => method.split('-').map((word) => word[0]!.toUpperCase() + word.slice(1)).join('')

const claims = {
  type: 'object',
  description: 'The token claims (RFC 7519, RFC 8176, OpenID Connect).',
  properties: {
    iss: { type: 'string' },
    aud: { type: 'string' },
    sub: { type: 'string', description: 'User id.' },
    sid: { type: 'string', description: 'Session the step-up happened in.' },
    jti: { type: 'string' },
    iat: { type: 'integer' },
    exp: { type: 'integer' },
    auth_time: { type: 'integer', description: 'When the step-up happened (seconds since the epoch).' },
    amr: { type: 'array', items: { type: 'string' }, description: 'Methods used (RFC 8176).' },
    acr: { type: 'string', description: 'The level reached, when levels are configured.' },
    action: {
      type: 'object',
      description: 'The action the step-up was made for.',
      properties: { name: { type: 'string' }, hash: { type: 'string' } }
    }
  }
} as const

export const methodsSchema = {
  summary: 'List the step-up methods the user can use now',
  operationId: 'stepUpListMethods',
  description: 'The step-up methods the logged-in user can use now, with masked destinations.',
  response: {
    200: {
      description: 'The usable methods, in the order of the methods list; empty when none is.',
      type: 'object',
      properties: {
        methods: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              method: { type: 'string' },
              questions: {
                type: 'array',
                items: { type: 'object', properties: { id: { type: 'string' }, question: { type: 'string' } } }
              },
              destinations: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'string', description: 'Opaque; send it back as `destinationId`.' },
                    masked: { type: 'string' }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
} as const

/**
 * The action a step-up is for, with its key fields (shown in the message, hashed into the token):
 * at most 20 fields, names of at most 64 characters, values strings of at most 256 characters,
 * numbers, booleans or null, so a summary of them stays short.
 */
const actionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', pattern: NAME_PATTERN },
    data: {
      type: 'object',
      maxProperties: 20,
      propertyNames: { maxLength: 64 },
      additionalProperties: { type: ['string', 'number', 'boolean', 'null'], maxLength: 256 }
    }
  }
} as const

export function sendSchema (method: StepUpMethod, field: string, fieldSchema: object) {
  return {
    summary: `Send ${descriptorOf(method).label}`,
    operationId: `stepUpSend${pascal(method)}Code`,
    description: `Sends a one-time code by ${method}, to an address on the profile named by \`${field}\` or \`destinationId\`, optionally for an action.`,
    body: {
      type: 'object',
      // In this order, so an unknown property is reported before a missing destination.
      allOf: [{
        type: 'object',
        additionalProperties: false,
        properties: {
          [field]: fieldSchema,
          destinationId: { type: 'string', pattern: '^[A-Za-z0-9_-]{16}$' },
          action: actionSchema
        }
      }, {
        // The destination is named once: by its address or by its id.
        oneOf: [{ required: [field] }, { required: ['destinationId'] }]
      }]
    },
    response: {
      202: {
        description: 'The code is on its way.',
        type: 'object',
        properties: {
          challengeId: { type: 'string' },
          expiresIn: { type: 'integer', description: 'Seconds the code stays valid.' },
          resendIn: { type: 'integer', description: 'Seconds before another code may be sent.' },
          destination: { type: 'string', description: 'Where the code went, masked.' },
          summary
        }
      }
    }
  } as const
}

/** What the user approves, in replies that start a step-up for an action. */
const summary = {
  type: 'string',
  description: 'For a step-up for an action: what the user approves ("Approve payment of 120.00 EUR to ACME Ltd"). Plain text, at most 200 characters: show it as text, never as HTML.'
} as const

/** A verification may name the action it approves: another action than the challenge\'s spends the challenge (FST_STEP_UP_ACTION_MISMATCH). */
const verifiedAction = { ...actionSchema, description: 'The action the person approves; when it differs from the challenge\'s, the challenge is spent and the request refused.' } as const

const tokenReply = {
  description: 'Verified: a second-factor token.',
  type: 'object',
  properties: {
    token: { type: 'string', description: 'Send it in the step-up header.' },
    expiresIn: { type: 'integer', description: 'Seconds until the token expires.' }
  }
} as const

/** A method checked in one request (TOTP, backup code, password, PIN, answers), optionally for an action. */
export function checkSchema (method: StepUpMethod, body: { properties: object }) {
  return {
    summary: `Step up with ${descriptorOf(method).label}`,
    operationId: `stepUpVerify${pascal(method)}`,
    description: `Checks a ${method}; returns a second-factor token.`,
    body: { ...body, properties: { ...body.properties, action: actionSchema } },
    response: { 200: tokenReply }
  }
}

export function verifySchema (method: StepUpMethod) {
  return {
    summary: `Verify ${descriptorOf(method).label}`,
    operationId: `stepUpVerify${pascal(method)}Code`,
    description: `Checks a one-time code sent by ${method}; returns a second-factor token.`,
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['challengeId', 'code'],
      properties: {
        challengeId: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' },
        code: { type: 'string', pattern: '^[0-9]{1,12}$' },
        action: verifiedAction
      }
    },
    response: { 200: tokenReply }
  } as const
}

/** Starts a ceremony (a passkey's): a challenge and the options to answer it, optionally for an action. */
export function ceremonyOptionsSchema (method: StepUpMethod) {
  return {
    summary: `Start a step-up with ${descriptorOf(method).label}`,
    operationId: `stepUp${pascal(method)}Options`,
    description: `Starts a ${method} step-up: a single-use challenge, and the WebAuthn request options for navigator.credentials.get().`,
    body: {
      type: 'object',
      additionalProperties: false,
      properties: { action: actionSchema }
    },
    response: {
      200: {
        description: 'A challenge to answer.',
        type: 'object',
        properties: {
          challengeId: { type: 'string', description: 'Send it back with the answer.' },
          expiresIn: { type: 'integer', description: 'Seconds the challenge stays valid.' },
          summary,
          options: {
            type: 'object',
            description: 'PublicKeyCredentialRequestOptionsJSON (WebAuthn).',
            properties: {
              challenge: { type: 'string' },
              rpId: { type: 'string' },
              allowCredentials: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { id: { type: 'string' }, type: { type: 'string' }, transports: { type: 'array', items: { type: 'string' } } }
                }
              },
              timeout: { type: 'integer' },
              userVerification: { type: 'string' }
            }
          }
        }
      }
    }
  } as const
}

/** Checks the answer to a ceremony's challenge (a passkey assertion); returns a second-factor token. */
export function ceremonyAnswerSchema (method: StepUpMethod, answer: object) {
  return {
    summary: `Verify ${descriptorOf(method).label}`,
    operationId: `stepUpVerify${pascal(method)}`,
    description: `Checks a ${method} assertion (PublicKeyCredential.toJSON()) for a challenge; returns a second-factor token.`,
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['challengeId', 'response'],
      properties: {
        challengeId: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' },
        response: answer,
        action: verifiedAction
      }
    },
    response: { 200: tokenReply }
  } as const
}

export function tokenVerifySchema (methods: readonly string[], levels: readonly string[]) {
  return {
    summary: 'Check a step-up token (back end)',
    operationId: 'stepUpVerifyToken',
    description: 'Back-end check of a second-factor token for the logged-in user and session, optionally against a requirement.',
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['token'],
      properties: {
        token: { type: 'string', minLength: 1, maxLength: 4096 },
        requirement: {
          type: 'object',
          additionalProperties: false,
          properties: {
            maxAge: { type: 'integer', minimum: 1, maximum: 31_536_000, description: 'Seconds since the step-up.' },
            methods: { type: 'array', minItems: 1, maxItems: 10, uniqueItems: true, items: { enum: [...methods] } },
            ...(levels.length > 0 ? { level: { enum: [...levels] } } : {}),
            action: { type: 'string', pattern: NAME_PATTERN }
          }
        }
      }
    },
    response: {
      200: {
        description: 'The answer: `valid` with the claims, or not `valid` with the reason (a FST_STEP_UP_* token code).',
        type: 'object',
        properties: {
          valid: { type: 'boolean' },
          claims,
          code: { type: 'string', description: 'Why the token is not valid (when `valid` is false).' },
          message: { type: 'string' }
        }
      }
    }
  }
}

export const jwksSchema = {
  summary: 'The public keys of step-up tokens (JWKS)',
  operationId: 'stepUpJwks',
  description: 'The public keys step-up tokens are signed with (RFC 7517), for services that verify them.',
  response: {
    200: {
      description: 'The trusted public keys, the signing key\'s among them.',
      type: 'object',
      properties: { keys: { type: 'array', items: { type: 'object', additionalProperties: true } } }
    }
  }
} as const
