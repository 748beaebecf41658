/**
 * The bearer token and why a session ended.
 *
 * The token lives in sessionStorage (one tab, gone when the tab closes) rather than localStorage,
 * so a token left behind on a shared machine does not outlive the browser tab; its expiry is
 * checked on every read so an expired token is never sent.
 */

export const SESSION_STARTED_EVENT = 'ds:session-started'
const TOKEN_KEY = 'ds.session'
const ENDED_KEY = 'ds.session.ended'
export const SESSION_ENDED_EVENT = 'ds:session-ended'

export type EndReason = 'expired' | 'signed_out' | 'password_changed'

interface StoredSession {
  token: string
  expiresAt: string
}

function read(): StoredSession | null {
  try {
    const raw = sessionStorage.getItem(TOKEN_KEY)
    if (!raw) return null
    const parsed = JSON.parse(raw) as Partial<StoredSession>
    if (typeof parsed.token !== 'string' || typeof parsed.expiresAt !== 'string') return null
    return { token: parsed.token, expiresAt: parsed.expiresAt }
  } catch {
    return null
  }
}

/** Store a freshly issued token and forget any earlier end reason. */
export function saveSession(token: string, expiresAt: string): void {
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ token, expiresAt }))
  sessionStorage.removeItem(ENDED_KEY)
  window.dispatchEvent(new Event(SESSION_STARTED_EVENT))
}

/** Return the instant the stored token expires, or null when there is none. */
export function sessionExpiry(): Date | null {
  const stored = read()
  return stored ? new Date(stored.expiresAt) : null
}

/** Return a token that is still valid at `now`; an expired one ends the session as "expired". */
export function currentToken(now: Date = new Date()): string | null {
  const stored = read()
  if (!stored) return null
  if (new Date(stored.expiresAt).getTime() <= now.getTime()) {
    endSession('expired')
    return null
  }
  return stored.token
}

/** Forget the token, remember why, and tell the app so it can return to the login page. */
export function endSession(reason: EndReason): void {
  const hadToken = read() !== null
  sessionStorage.removeItem(TOKEN_KEY)
  sessionStorage.setItem(ENDED_KEY, reason)
  if (hadToken || reason !== 'expired') {
    window.dispatchEvent(new CustomEvent<EndReason>(SESSION_ENDED_EVENT, { detail: reason }))
  }
}

/** Read why the last session ended (the login page shows it), without clearing it. */
export function lastEndReason(): EndReason | null {
  const value = sessionStorage.getItem(ENDED_KEY)
  return value === 'expired' || value === 'signed_out' || value === 'password_changed' ? value : null
}
