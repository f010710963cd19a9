// English: the built-in fall-back for every key, in every language.
import type { Catalog } from '../messages.js'
import { fromLine } from './shared.js'

const notMe = 'If this was not you, change your password and review your security settings.'

export const en: Catalog = {
  'code.subject': () => 'Your verification code',
  'code.text': ({ code, minutes = 5, summary }, f) => [
    `Your verification code is ${code}`,
    '',
    ...(summary === undefined ? [] : [`It is for: ${summary}`, 'Enter it only if this is what you are doing: it works for nothing else.', '']),
    `It expires in ${f.minutes(Number(minutes))} and works once.`,
    'If you did not ask for it, someone may be using your account: change your password.'
  ].join('\n'),
  'code.sms': ({ code, minutes = 5, summary }) => summary === undefined
    ? `Your verification code is ${code}. It expires in ${minutes} min. Do not share it.`
    // What you see is what you sign: the text says what the code approves, before the code.
    : `${summary}: your code is ${code}. It expires in ${minutes} min. Do not share it.`,

  'action.summary': ({ action, fields }) => fields === undefined ? `Approve ${action}` : `Approve ${action}: ${fields}`,

  'method.email': () => 'a code by email',
  'method.sms': () => 'a code by text message',
  'method.totp': () => 'an authenticator app',
  'method.backup-code': () => 'a backup code',
  'method.password': () => 'your password',
  'method.pin': () => 'your PIN',
  'method.security-questions': () => 'your security questions',
  'method.passkey': () => 'a passkey',

  'factor.totp': () => 'an authenticator app',
  'factor.passkey': () => 'a passkey',
  'factor.backup-codes': () => 'backup codes',
  'factor.pin': () => 'a PIN',

  'notify.failures.subject': () => 'Failed attempts to verify your identity',
  'notify.failures.text': ({ count = 0, method, time, ...where }, f) => [
    f.plural(Number(count), {
      one: `Someone failed once to verify as you with ${method} on ${f.time(Number(time))}.`,
      other: `Someone failed ${f.number(Number(count))} times to verify as you with ${method}; the last on ${f.time(Number(time))}.`
    }),
    ...fromLine('From', where),
    '',
    notMe
  ].join('\n'),
  'notify.locked.subject': () => 'Verification is locked on your account',
  'notify.locked.text': ({ minutes = 15, time, ...where }, f) => [
    `After too many failed attempts, verifying your identity is locked for ${f.minutes(Number(minutes))} (since ${f.time(Number(time))}).`,
    ...fromLine('From', where),
    '',
    notMe
  ].join('\n'),
  'notify.factor-added.subject': () => 'A sign-in method was added to your account',
  'notify.factor-added.text': ({ factor, time, ...where }, f) => [`This sign-in method was added to your account on ${f.time(Number(time))}: ${factor}.`, ...fromLine('From', where), '', notMe].join('\n'),
  'notify.factor-removed.subject': () => 'A sign-in method was removed from your account',
  'notify.factor-removed.text': ({ factor, time, ...where }, f) => [`This sign-in method was removed from your account on ${f.time(Number(time))}: ${factor}.`, ...fromLine('From', where), '', notMe].join('\n'),
  'notify.backup-codes-renewed.subject': () => 'New backup codes were made for your account',
  'notify.backup-codes-renewed.text': ({ count = 0, time, ...where }, f) => [
    `${f.plural(Number(count), { one: 'A new backup code was', other: `${f.number(Number(count))} new backup codes were` })} made on ${f.time(Number(time))}; the old ones no longer work.`,
    ...fromLine('From', where),
    '',
    notMe
  ].join('\n'),
  'notify.pin-changed.subject': () => 'Your PIN was changed',
  'notify.pin-changed.text': ({ time, ...where }, f) => [`Your PIN was changed on ${f.time(Number(time))}.`, ...fromLine('From', where), '', notMe].join('\n'),
  'notify.new-device.subject': () => 'Your identity was verified from a new device',
  'notify.new-device.text': ({ method, time, ...where }, f) => [`You verified your identity with ${method} on ${f.time(Number(time))}, from a device or place we had not seen.`, ...fromLine('From', where), '', notMe].join('\n'),

  'error.FST_STEP_UP_UNAUTHENTICATED': () => 'Log in before stepping up',
  'error.FST_STEP_UP_INVALID_REQUEST': () => 'The request is not valid',
  'error.FST_STEP_UP_METHOD_UNAVAILABLE': () => 'This verification method is not available for this account',
  'error.FST_STEP_UP_DESTINATION_NOT_ALLOWED': () => 'This destination cannot receive codes for this account',
  'error.FST_STEP_UP_RESEND_TOO_SOON': () => 'A code was sent moments ago; wait before asking for another',
  'error.FST_STEP_UP_SEND_LIMIT': () => 'Too many codes were sent to this account; try again later',
  'error.FST_STEP_UP_VERIFY_LIMIT': () => 'Too many verifications with a password, PIN or security questions; try again later',
  'error.FST_STEP_UP_LOCKED': () => 'Verification is locked after too many failed attempts; try again later',
  'error.FST_STEP_UP_CHALLENGE_NOT_FOUND': () => 'This verification no longer exists; start again',
  'error.FST_STEP_UP_CODE_INVALID': () => 'The code is not correct',
  'error.FST_STEP_UP_CREDENTIAL_INVALID': () => 'That is not correct',
  'error.FST_STEP_UP_CODE_EXPIRED': () => 'The code has expired; ask for a new one',
  'error.FST_STEP_UP_CODE_USED': () => 'The code has already been used; ask for a new one',
  'error.FST_STEP_UP_ATTEMPTS_EXHAUSTED': () => 'Too many wrong codes; ask for a new code',
  'error.FST_STEP_UP_PASSKEY_INVALID': () => 'The passkey was not accepted',
  'error.FST_STEP_UP_TOKEN_MISSING': () => 'This action needs you to verify your identity again',
  'error.FST_STEP_UP_TOKEN_INVALID': () => 'Your verification is not valid for this session; verify again',
  'error.FST_STEP_UP_TOKEN_EXPIRED': () => 'Your verification has expired; verify again',
  'error.FST_STEP_UP_TOKEN_USED': () => 'That verification was already used for this action; verify again',
  'error.FST_STEP_UP_INSUFFICIENT': () => 'This action needs a stronger or more recent verification',
  'error.FST_STEP_UP_SEND_FAILED': () => 'The code could not be sent; try again',
  'error.FST_STEP_UP_STORE_UNAVAILABLE': () => 'Verification is unavailable right now; try again shortly',
  'error.FST_STEP_UP_FACTOR_NOT_FOUND': () => 'No such sign-in method on this account',
  'error.FST_STEP_UP_FACTOR_LIMIT': () => 'This account has as many methods of this kind as it may have; remove one first',
  'error.FST_STEP_UP_FACTOR_BUSY': () => 'Another change to your sign-in methods is in progress; try again shortly',
  'error.FST_STEP_UP_ACTION_MISMATCH': () => 'This verification was started for something else; start a new one'
}
