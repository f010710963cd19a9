// The JSON schema of what a browser's `PublicKeyCredential.toJSON()` (or @simplewebauthn/browser)
// gives: the envelope is the same for an assertion (step-up) and an attestation (registration),
// only `response` differs. Sizes are bounded before anything is decoded.

/** A base64url string (padding tolerated) of at most `maxLength` characters. */
export const base64url = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength, pattern: '^[A-Za-z0-9_-]+={0,2}$' }) as const

/** A credential as the browser serializes it, with the given `response` schema. */
export function credentialSchema<Response extends object> (response: Response) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'rawId', 'type', 'response'],
    properties: {
      id: base64url(1400),
      rawId: base64url(1400),
      type: { const: 'public-key' },
      authenticatorAttachment: { enum: ['platform', 'cross-platform'] },
      clientExtensionResults: { type: 'object', maxProperties: 20 },
      response
    }
  } as const
}
