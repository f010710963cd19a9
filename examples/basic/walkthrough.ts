// The curl walk-through printed at start-up. Every line of it, markers included, is valid bash (the
// prose is `#` comments), so it can be pasted as printed; test/example.test.ts runs the same lines.
// One command per line, so the test can run them one by one and check each reply.
import { DEMO_ANSWERS, DEMO_PHONE, DEMO_PIN, DEMO_TOTP_SECRET } from './factors.js'

export const WALKTHROUGH_START = '# ---8<--- step-up walk-through: paste into bash, one step at a time ---'
export const WALKTHROUGH_END = '# ---8<--- end of walk-through ---'

export interface WalkThroughOptions {
  /** Where the server is: `http://127.0.0.1:3000`. */
  base: string
  /** Where the human finds the emailed code: "printed in this console". */
  mailbox: string
  /** One of the demo user's backup codes, for the backup-code step. */
  backupCode: string
  /** A second instance of the same app: the code sent through `base` is verified there. */
  other?: string
}

/** The walk-through: log in, meet the 401, step up by email, read the document, then every other method. */
export function walkThrough ({ base, mailbox, backupCode, other }: WalkThroughOptions): string {
  const json = "-H 'content-type: application/json'"
  const auth = '-H "authorization: Bearer $ACCESS"'
  const status = "-w '%{stderr}HTTP %{http_code}\\n'"
  const verifyAt = other ? '$OTHER' : '$BASE'
  /** A method checked in one request: its body, and the step-up token into $STEP_UP. */
  const verify = (method: string, body: string) => `STEP_UP=$(curl -s ${status} "$BASE/step-up/${method}/verify" ${auth} ${json} -d ${body} | keep token)`
  const answers = Object.entries(DEMO_ANSWERS).map(([questionId, answer]) => ({ questionId, answer }))
  return [
    WALKTHROUGH_START,
    '# Set up: where the server is, and `keep FIELD`, which shows a JSON reply and outputs one field of it.',
    `BASE=${base}`,
    ...(other ? ['# The second instance: it shares nothing with the first but Redis.', `OTHER=${other}`] : []),
    'keep () { node -e \'const r = JSON.parse(fs.readFileSync(0, "utf8")); console.error(r); console.log(r[process.argv[1]])\' "$1"; }',
    '',
    '# 1. Log in as alice; the access token goes into $ACCESS. (-w prints the HTTP status on the terminal.)',
    `ACCESS=$(curl -s ${status} "$BASE/login" ${json} -d '{"email":"alice@example.com","password":"wonderland"}' | keep accessToken)`,
    '#    A wrong password is refused: 401.',
    `curl -s -i "$BASE/login" ${json} -d '{"email":"alice@example.com","password":"not-the-password"}' -w '\\n'`,
    '',
    '# 2. The document needs a recent step-up: 401, WWW-Authenticate: Bearer error="insufficient_user_authentication".',
    `curl -s -i "$BASE/documents/1" ${auth} -w '\\n'`,
    '',
    '# 3. Which step-up methods can alice use? Addresses come back masked.',
    `curl -s "$BASE/step-up/methods" ${auth} -w '\\n'`,
    '',
    '# 4. Email a one-time code to her work address: 202 Accepted. The challenge id goes into $CHALLENGE.',
    `CHALLENGE=$(curl -s ${status} "$BASE/step-up/email/send" ${auth} ${json} -d '{"email":"alice.work@example.org"}' | keep challengeId)`,
    '',
    `# 5. Type the code from the email (${mailbox}) in place of 123456:`,
    'CODE=123456',
    '',
    `# 6. Verify the code${other ? ' through the other instance' : ''}: 200, and the step-up token goes into $STEP_UP.`,
    `STEP_UP=$(curl -s ${status} "${verifyAt}/step-up/email/verify" ${auth} ${json} -d "{\\"challengeId\\":\\"$CHALLENGE\\",\\"code\\":\\"$CODE\\"}" | keep token)`,
    '',
    `# 7. The document again${other ? ', on the first instance,' : ''} with the step-up token: 200.`,
    `curl -s -i "$BASE/documents/1" ${auth} -H "x-step-up-token: $STEP_UP" -w '\\n'`,
    '',
    '# 8. Every other method gives a step-up token too: each line below puts a fresh one in $STEP_UP (200).',
    '#    SMS: send a code to her phone (printed in this console): 202. Then type it in place of 123456, and verify.',
    `SMS_CHALLENGE=$(curl -s ${status} "$BASE/step-up/sms/send" ${auth} ${json} -d '${JSON.stringify({ phone: DEMO_PHONE })}' | keep challengeId)`,
    'SMS_CODE=123456',
    `STEP_UP=$(curl -s ${status} "$BASE/step-up/sms/verify" ${auth} ${json} -d "{\\"challengeId\\":\\"$SMS_CHALLENGE\\",\\"code\\":\\"$SMS_CODE\\"}" | keep token)`,
    '#    TOTP: the code an authenticator app shows for her secret, computed here with otplib (run it in this repo, which has otplib).',
    `TOTP=$(node -e "import('otplib').then(async (otp) => console.log(await otp.generate({ secret: '${DEMO_TOTP_SECRET}' })))")`,
    verify('totp', '"{\\"code\\":\\"$TOTP\\"}"'),
    '#    A backup code, one of those printed above. Each works once: a second try is refused (400).',
    verify('backup-code', `'${JSON.stringify({ code: backupCode })}'`),
    '#    Her password again.',
    verify('password', `'${JSON.stringify({ password: 'wonderland' })}'`),
    '#    Her PIN.',
    verify('pin', `'${JSON.stringify({ pin: DEMO_PIN })}'`),
    '#    Her answers to the security questions.',
    verify('security-questions', `'${JSON.stringify({ answers })}'`),
    '',
    '# 9. Any of these tokens opens the document, as in step 7; this is the last one, from the security questions: 200.',
    `curl -s -i "$BASE/documents/1" ${auth} -H "x-step-up-token: $STEP_UP" -w '\\n'`,
    '',
    '# 10. Her factors, kept by the demo in memory: the authenticator app, backup codes and PIN (never a secret).',
    '#     Adding or removing one needs a fresh step-up token (see docs/factors.md); the web demo has a page for it.',
    `curl -s "$BASE/step-up/factors" ${auth} -w '\\n'`,
    WALKTHROUGH_END
  ].join('\n')
}
