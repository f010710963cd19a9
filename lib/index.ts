export { default, fastifyStepUp } from './fastify/plugin.js'
export type { FastifyStepUpOptions, StepUpService, VerifyTokenContext } from './fastify/plugin.js'
export type { AsymmetricAlgorithm, KeyOptions, SigningKeyOptions, VerificationKeyOptions } from './core/keys.js'
export { actionHash, canonicalJson } from './core/action.js'
export * from './errors.js'
export { MemoryStore } from './stores/memory.js'
export type { MemoryStoreOptions } from './stores/memory.js'
export { RedisStore } from './stores/redis.js'
export type { RedisScriptClient, RedisStoreOptions } from './stores/redis.js'
export { StoreFullError } from './stores/store.js'
export type { ChallengeRecord, Clock, LogResult, StepUpStore } from './stores/store.js'
export type { Duration } from './duration.js'
export { EMAIL_AMR } from './methods/email.js'
export { SMS_AMR } from './methods/sms.js'
export { TOTP_AMR } from './methods/totp.js'
export { BACKUP_CODE_AMR } from './methods/backup-code.js'
export { PASSWORD_AMR, PIN_AMR, SECURITY_QUESTIONS_AMR } from './methods/knowledge.js'
export { PASSKEY_AMR_SETS, passkeyAmr } from './methods/passkey.js'
export { passkeyRegistrationOptions, verifyPasskeyRegistration } from './factors/passkey.js'
export type { PasskeyRegistrationInput, RegisteredPasskey } from './factors/passkey.js'
export { confirmTotpEnrollment, generateTotpSecret, totpQrCode, totpUri } from './factors/totp.js'
export type { TotpAlgorithm, TotpSettings } from './factors/totp.js'
export { generateBackupCodes, hashBackupCode, normalizeBackupCode } from './factors/backup-codes.js'
export { hashAnswer, hashPin, normalizeAnswer, verifyAnswer, verifyPin } from './factors/secret-hash.js'
export { maskEmail, maskPhone } from './mask.js'
export { loginRadiusAccessToken } from './compat/loginradius/access-token.js'
export type {
  BackupCodeOptions,
  CodeOptions,
  CompatOptions,
  EmailOptions,
  EmailTemplateContext,
  LevelOptions,
  LockoutOptions,
  LoginRadiusCompatOptions,
  LoginRadiusSmsTemplateContext,
  PasskeyCredential,
  PasskeyOptions,
  PasskeyRelyingParty,
  PasswordOptions,
  PinOptions,
  SecurityQuestion,
  SecurityQuestionsOptions,
  SendLimitOptions,
  SmsMessage,
  SmsOptions,
  StepUpAction,
  StepUpClaims,
  StepUpEvent,
  StepUpFactors,
  StepUpMethod,
  StepUpOptions,
  StepUpRequirement,
  StepUpTypes,
  StepUpUser,
  StepUpUserBase,
  TotpOptions
} from './types.js'
