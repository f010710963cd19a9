// The app's own user table: a stand-in for a database. fastify-step-up never sees it; the app
// shows the plugin a view of the logged-in user through `getUser`.
import { randomBytes, scrypt, scryptSync, timingSafeEqual, type BinaryLike } from 'node:crypto'

export interface User {
  id: string
  name: string
  /** Addresses the user has proved they own; only these may receive step-up codes. */
  emails: string[]
  password: PasswordHash
}

interface PasswordHash {
  salt: Buffer
  hash: Buffer
}

const KEY_LENGTH = 64

function scryptAsync (password: BinaryLike, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, (err, key) => (err ? reject(err) : resolve(key)))
  })
}

// A real app hashes at sign-up; the demo hashes once at start-up so no plaintext is kept around.
function hashPassword (password: string): PasswordHash {
  const salt = randomBytes(16)
  return { salt, hash: scryptSync(password, salt, KEY_LENGTH) }
}

const users: User[] = [
  {
    id: 'u_alice',
    name: 'Alice',
    emails: ['alice@example.com', 'alice.work@example.org'],
    password: hashPassword('wonderland')
  }
]

// Checked when the email is unknown, so a wrong address costs as much time as a wrong password
// and the response time does not tell who has an account.
const nobody = hashPassword(randomBytes(16).toString('hex'))

export function findUserById (id: string): User | undefined {
  return users.find((user) => user.id === id)
}

/** True when `password` is this user's password (step-up by password re-entry). */
export async function checkPassword (user: User, password: string): Promise<boolean> {
  const given = await scryptAsync(password, user.password.salt)
  return timingSafeEqual(given, user.password.hash)
}

/** The user with this email and password, or undefined. Same work whether or not the email exists. */
export async function checkLogin (email: string, password: string): Promise<User | undefined> {
  const wanted = email.trim().toLowerCase()
  const user = users.find((candidate) => candidate.emails.includes(wanted))
  const { salt, hash } = user?.password ?? nobody
  const given = await scryptAsync(password, salt)
  return timingSafeEqual(given, hash) && user ? user : undefined
}
