// JSON schemas of the step-up routes: one source of truth for validation, documentation and
// serialization. Bodies reject unknown properties and every string has a length bound.
import { NAME_PATTERN } from '../core/names.js'

const errorReply = {
  type: 'object',
  description: 'An error. `code` is stable (FST_STEP_UP_*); `message` is for people.',
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string' },
    error: { type: 'string' },
    message: { type: 'string' }
  },
  required: ['statusCode', 'code', 'message']
} as const

/** What a client needs to satisfy a route: the methods it can use and how fresh the step-up must be. */
export const stepUpHint = {
  type: 'object',
  properties: {
    methods: { type: 'array', items: { type: 'string' } },
    maxAge: { type: 'integer', description: 'Seconds since the step-up that the route accepts.' }
  }
} as const

const errorReplies = {
  400: errorReply,
  401: errorReply,
  403: errorReply,
  404: errorReply,
  413: errorReply,
  415: errorReply,
  429: errorReply,
  502: errorReply,
  503: errorReply
} as const

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
  description: 'The step-up methods the logged-in user can use now, with masked destinations.',
  response: {
    200: {
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
    },
    ...errorReplies
  }
} as const

/** The action a step-up is for, with its key fields (shown in the message, hashed into the token). */
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

export function sendSchema (method: string, field: string, fieldSchema: object) {
  return {
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
        type: 'object',
        properties: {
          challengeId: { type: 'string' },
          expiresIn: { type: 'integer', description: 'Seconds the code stays valid.' },
          resendIn: { type: 'integer', description: 'Seconds before another code may be sent.' },
          destination: { type: 'string', description: 'Where the code went, masked.' }
        }
      },
      ...errorReplies
    }
  } as const
}

const tokenReply = {
  type: 'object',
  properties: {
    token: { type: 'string', description: 'Send it in the step-up header.' },
    expiresIn: { type: 'integer', description: 'Seconds until the token expires.' }
  }
} as const

/** A method checked in one request (TOTP, backup code, password, PIN, answers), optionally for an action. */
export function checkSchema (method: string, body: { properties: object }) {
  return {
    description: `Checks a ${method}; returns a second-factor token.`,
    body: { ...body, properties: { ...body.properties, action: actionSchema } },
    response: { 200: tokenReply, ...errorReplies }
  }
}

export function verifySchema (method: string) {
  return {
    description: `Checks a one-time code sent by ${method}; returns a second-factor token.`,
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['challengeId', 'code'],
      properties: {
        challengeId: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' },
        code: { type: 'string', pattern: '^[0-9]{1,12}$' }
      }
    },
    response: { 200: tokenReply, ...errorReplies }
  } as const
}

/** Starts a ceremony (a passkey's): a challenge and the options to answer it, optionally for an action. */
export function ceremonyOptionsSchema (method: string) {
  return {
    description: `Starts a ${method} step-up: a single-use challenge, and the WebAuthn request options for navigator.credentials.get().`,
    body: {
      type: 'object',
      additionalProperties: false,
      properties: { action: actionSchema }
    },
    response: {
      200: {
        type: 'object',
        properties: {
          challengeId: { type: 'string', description: 'Send it back with the answer.' },
          expiresIn: { type: 'integer', description: 'Seconds the challenge stays valid.' },
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
      },
      ...errorReplies
    }
  } as const
}

/** Checks the answer to a ceremony's challenge (a passkey assertion); returns a second-factor token. */
export function ceremonyAnswerSchema (method: string, answer: object) {
  return {
    description: `Checks a ${method} assertion (PublicKeyCredential.toJSON()) for a challenge; returns a second-factor token.`,
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['challengeId', 'response'],
      properties: {
        challengeId: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' },
        response: answer
      }
    },
    response: { 200: tokenReply, ...errorReplies }
  } as const
}

export function tokenVerifySchema (methods: readonly string[], levels: readonly string[]) {
  return {
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
        type: 'object',
        properties: {
          valid: { type: 'boolean' },
          claims,
          code: { type: 'string', description: 'Why the token is not valid (when `valid` is false).' },
          message: { type: 'string' }
        }
      },
      ...errorReplies
    }
  }
}

export const jwksSchema = {
  description: 'The public keys step-up tokens are signed with (RFC 7517), for services that verify them.',
  response: {
    200: {
      type: 'object',
      properties: { keys: { type: 'array', items: { type: 'object', additionalProperties: true } } }
    }
  }
} as const
