import { currentToken, endSession, lastEndReason, saveSession, SESSION_ENDED_EVENT } from './session'

const NOW = new Date('2025-01-31T12:00:00Z')

describe('session', () => {
  it('returns a token until its expiry', () => {
    saveSession('tok', '2025-01-31T12:00:01Z')
    expect(currentToken(NOW)).toBe('tok')
  })

  it('forgets an expired token and remembers that the session expired', () => {
    const ended: string[] = []
    const listener = (e: Event) => ended.push((e as CustomEvent<string>).detail)
    window.addEventListener(SESSION_ENDED_EVENT, listener)
    saveSession('tok', '2025-01-31T12:00:00Z')
    expect(currentToken(NOW)).toBeNull()
    expect(lastEndReason()).toBe('expired')
    expect(ended).toEqual(['expired'])
    window.removeEventListener(SESSION_ENDED_EVENT, listener)
  })

  it('keeps the token in sessionStorage, never localStorage', () => {
    saveSession('tok', '2099-01-01T00:00:00Z')
    expect(JSON.stringify(sessionStorage)).not.toBe('{}')
    expect(localStorage.length).toBe(0)
  })

  it('clears the end reason when a new session starts', () => {
    endSession('signed_out')
    expect(lastEndReason()).toBe('signed_out')
    saveSession('tok', '2099-01-01T00:00:00Z')
    expect(lastEndReason()).toBeNull()
  })
})
