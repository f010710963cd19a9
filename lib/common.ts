// Everything of the package that belongs to no framework: errors, stores, keys, the methods' helpers
// and types. The main entry (the Fastify plugin) and fastify-step-up/express both export it, so an
// Express app imports none of Fastify's types, and a Fastify app none of Express's.
export type { AsymmetricAlgorithm, KeyOptions, SigningKeyOptions, VerificationKeyOptions } from './core/keys.js'
export { actionHash, canonicalJson, transactionDigest } from './core/action.js'
export { SUMMARY_MAX_LENGTH } from './core/summary.js'
export type { StepUpActionData, StepUpActionOptions, StepUpActionsOption } from './core/summary.js'
export type { LocaleOptions, MessageOverride } from './i18n/translator.js'
export type { Formatters, Message, MessageKey, MessageParams } from './i18n/messages.js'
export type { NotificationClient, NotificationEvent, NotificationKind, StepUpNotification } from './notify/kinds.js'
export type { FailureNotificationOptions, NotificationChannel, NotificationOptions } from './notify/options.js'
export { STEP_UP_SECURITY_SCHEME, stepUpSecuritySchemes } from './http/openapi.js'
export * from './errors.js'
export { MemoryStore } from './stores/memory.js'
export type { MemoryStoreOptions } from './stores/memory.js'
export { RedisStore } from './stores/redis.js'
export type { RedisScriptClient, RedisStoreOptions, RedisWaitOptions, RedisWaitPipeline } from './stores/redis.js'
export { StoreFullError } from './stores/store.js'
export type {
  ChallengeRecord,
  Clock,
  GuessEnd,
  GuessEnded,
  GuessStart,
  GuessStarted,
  LogAdd,
  LogResult,
  SendStart,
  SendStarted,
  StepUpStore
} from './stores/store.js'
export type { Duration } from './duration.js'
// Each method's public part: its amr values, its option types and the helpers an app enrolls users with.
export * from './methods/email/public.js'
export * from './methods/sms/public.js'
export * from './methods/totp/public.js'
export * from './methods/backup-code/public.js'
export * from './methods/password/public.js'
export * from './methods/pin/public.js'
export * from './methods/security-questions/public.js'
export * from './methods/passkey/public.js'
export { maskEmail, maskPhone } from './mask.js'
export type { ComplianceEntry } from './profiles/report.js'
export type { StepUpProfile } from './profiles/requirements.js'
// Factor management (the `factors` option): the storage the app implements, and one in memory.
export { MemoryFactorStorage } from './factors/memory.js'
export type {
  FactorChange,
  FactorChangeFields,
  FactorChangeOptions,
  FactorKind,
  FactorOptions,
  FactorStorage,
  ManagedBackupCodeOptions,
  ManagedPasskeyOptions,
  ManagedTotpOptions,
  NewFactor,
  NewFactorFields,
  StoredFactor,
  StoredFactorFields
} from './factors/types.js'
export type {
  CodeOptions,
  LevelOptions,
  LockoutOptions,
  SendLimitOptions,
  StepUpAction,
  StepUpClaims,
  StepUpEvent,
  StepUpFactors,
  StepUpMethod,
  StepUpOptions,
  StepUpRequirement,
  StepUpTypes,
  StepUpUser,
  StepUpUserBase
} from './types.js'
