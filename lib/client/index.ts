// fastify-step-up/client: turns a 401 step-up challenge into a prompt and a retry. Runs in browsers
// and in Node 20 (fetch, Request, Response and Headers only; nothing of Node's own).
export { createStepUpFetch } from './fetch.js'
export type { StepUpFetch, StepUpFetchOptions, StepUpPrompt, StepUpPromptContext } from './fetch.js'
export { INSUFFICIENT_USER_AUTHENTICATION, readStepUpChallenge } from './challenge.js'
export type { StepUpChallenge } from './challenge.js'
export { parseWwwAuthenticate } from './authenticate.js'
export type { AuthChallenge } from './authenticate.js'
export { StepUpClientError, createStepUpClient, retryAfterSeconds } from './api.js'
export type {
  AvailableMethod,
  CredentialBodies,
  IssuedToken,
  PasskeyChallenge,
  SentCode,
  StepUpActionInput,
  StepUpClient,
  StepUpClientOptions
} from './api.js'
export type { CeremonyMethodName, CodeMethodName, CredentialMethodName, FetchLike, FieldMethodName, HeadersLike, StepUpErrorCode, StepUpMethodName } from './types.js'
export { base64urlToBytes, bytesToBase64url, passkeyAssertionJSON, passkeyRequestOptions, runPasskeyCeremony } from './passkey.js'
export type {
  CredentialsContainerLike,
  PasskeyAssertion,
  PasskeyAssertionJSON,
  PasskeyCeremonyOptions,
  PasskeyRequestOptions,
  PasskeyRequestOptionsJSON,
  PublicKeyCredentialStatic
} from './passkey.js'
export { passkeyAttestationJSON, passkeyCreationOptions, registerPasskeyFactor } from './factors.js'
export type {
  CredentialsCreatorLike,
  FactorCalls,
  FactorChangeOptions,
  FactorKindName,
  FactorListing,
  FactorSummary,
  PasskeyAttestation,
  PasskeyCreationOptions,
  PasskeyCreationOptionsJSON,
  PasskeyRegistrationChallenge,
  PasskeyRegistrationOptions,
  PublicKeyCredentialCreationStatic,
  TotpEnrollment
} from './factors.js'
export { dialogLocale, dialogTexts } from './texts/index.js'
export type { BrowserRefusal, DialogTexts, DialogWords, RefusalContext } from './texts/index.js'
