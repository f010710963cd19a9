// PINs and security answers the app keeps itself (pin/enroll.ts, security-questions/enroll.ts). Both are low-entropy and chosen by people, so
// a leaked table must be slow to guess through: scrypt is memory-hard, which makes GPU and ASIC
// guessing expensive, and node:crypto has it built in.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import type { BinaryLike, ScryptOptions } from 'node:crypto'
import { promisify } from 'node:util'

// The async form runs on libuv's pool; the sync one would stall the event loop ~50 ms per call.
const scryptAsync = promisify(scrypt) as (password: BinaryLike, salt: BinaryLike, keylen: number, options: ScryptOptions) => Promise<Buffer>

// N = 2^15, r = 8, p = 1 needs 128 * N * r = 32 MiB, a little over node's default maxmem of
// 32 MiB once OpenSSL adds its buffers, hence 64 MiB.
const COST = 2 ** 15
const BLOCK_SIZE = 8
const PARALLELISM = 1
const KEY_LENGTH = 32
const SALT_LENGTH = 16
const HASH_MAXMEM = 64 * 1024 * 1024
// Verifying trusts the parameters in the stored string so they can be raised later, up to these
// bounds; a damaged or planted value beyond them is refused instead of costing gigabytes or minutes.
const VERIFY_MAXMEM = 256 * 1024 * 1024
const MAX_COST = 2 ** 20
const MAX_BLOCK_SIZE = 32
const MAX_PARALLELISM = 16

/** Longer inputs are refused unhashed: no PIN or answer is this long, and hashing is the cost. */
const MAX_INPUT_LENGTH = 1024
// Our strings are about 90 characters; this only stops a huge value being split and decoded.
const MAX_STORED_LENGTH = 512

const NUMBER = /^[1-9][0-9]{0,9}$/
const BASE64URL = /^[A-Za-z0-9_-]+$/

interface StoredHash { cost: number, blockSize: number, parallelism: number, salt: Buffer, hash: Buffer }

/** `scrypt$N$r$p$salt$hash`, or null for anything else; never throws. */
function parseStored (stored: string): StoredHash | null {
  if (typeof stored !== 'string' || stored.length > MAX_STORED_LENGTH) return null
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null
  const [, n, r, p, salt, hash] = parts
  if (!NUMBER.test(n) || !NUMBER.test(r) || !NUMBER.test(p) || !BASE64URL.test(salt) || !BASE64URL.test(hash)) return null
  const cost = Number(n)
  const blockSize = Number(r)
  const parallelism = Number(p)
  // scrypt needs N to be a power of two above 1; the bounds cap what one verify can cost.
  if (cost < 2 || cost > MAX_COST || (cost & (cost - 1)) !== 0 || blockSize > MAX_BLOCK_SIZE || parallelism > MAX_PARALLELISM) {
    return null
  }
  const saltBytes = Buffer.from(salt, 'base64url')
  const hashBytes = Buffer.from(hash, 'base64url')
  // The output length is fixed, not read: scrypt's shorter outputs are prefixes of longer ones,
  // so accepting any length would let a truncated string still verify.
  if (saltBytes.length < SALT_LENGTH || hashBytes.length !== KEY_LENGTH) return null
  return { cost, blockSize, parallelism, salt: saltBytes, hash: hashBytes }
}

export async function hashSecret (value: string): Promise<string> {
  // A fresh salt per call: equal PINs or answers never hash alike, across users or for one user.
  const salt = randomBytes(SALT_LENGTH)
  const hash = await scryptAsync(value, salt, KEY_LENGTH, { N: COST, r: BLOCK_SIZE, p: PARALLELISM, maxmem: HASH_MAXMEM })
  return ['scrypt', COST, BLOCK_SIZE, PARALLELISM, salt.toString('base64url'), hash.toString('base64url')].join('$')
}

export async function verifySecret (value: string, stored: string): Promise<boolean> {
  const parsed = parseStored(stored)
  if (parsed === null) return false
  let actual: Buffer
  try {
    actual = await scryptAsync(value, parsed.salt, KEY_LENGTH, {
      N: parsed.cost, r: parsed.blockSize, p: parsed.parallelism, maxmem: VERIFY_MAXMEM
    })
  } catch {
    // Parameters within our bounds that still need more memory than VERIFY_MAXMEM.
    return false
  }
  // Both are KEY_LENGTH bytes, so only the content is compared, in constant time.
  return timingSafeEqual(actual, parsed.hash)
}

export /** A usable input: a string, not empty, within the length cap. */
function acceptable (value: string): boolean {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_INPUT_LENGTH
}

export function checkForHashing (value: string, what: string): void {
  // An empty value would make an empty form field a valid answer; refuse it at enrollment.
  if (!acceptable(value)) throw new RangeError(`The ${what} must be a string of 1 to ${MAX_INPUT_LENGTH} characters`)
}
