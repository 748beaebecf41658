import { installFakeApi } from '@/test/fakeApi'

import { api, filenameFrom, unwrap } from './api'
import { ApiError } from './apiError'
import { lastEndReason, saveSession } from './session'

describe('api client', () => {
  it('sends the stored token as a bearer header', async () => {
    const fake = installFakeApi({ 'GET /auth/me': { body: { id: 1 } } })
    saveSession('tok-1', '2099-01-01T00:00:00Z')
    await unwrap(api.GET('/auth/me'))
    expect(fake.requests[0]?.headers.get('Authorization')).toBe('Bearer tok-1')
  })

  it('ends the session as expired when a call with a token gets 401', async () => {
    installFakeApi({ 'GET /auth/me': { status: 401, body: { detail: 'session expired or token invalid: log in again' } } })
    saveSession('tok-1', '2099-01-01T00:00:00Z')
    await expect(unwrap(api.GET('/auth/me'))).rejects.toBeInstanceOf(ApiError)
    expect(lastEndReason()).toBe('expired')
    expect(sessionStorage.getItem('ds.session')).toBeNull()
  })

  it('does not call a wrong password an expired session', async () => {
    installFakeApi({ 'GET /auth/me': { status: 401, body: { detail: 'wrong e-mail or password' } } })
    await expect(unwrap(api.GET('/auth/me'))).rejects.toMatchObject({ status: 401 })
    expect(lastEndReason()).toBeNull()
  })

  it('turns a network failure into a status-0 ApiError', async () => {
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')))
    await expect(unwrap(api.GET('/health'))).rejects.toMatchObject({ status: 0, message: 'cannot reach the backend' })
  })

  it('reads quoted and unquoted download names', () => {
    expect(filenameFrom('attachment; filename="analytics-export-20250131-120000.csv"')).toBe(
      'analytics-export-20250131-120000.csv',
    )
    expect(filenameFrom('attachment; filename=trading-sessions.csv')).toBe('trading-sessions.csv')
    expect(filenameFrom(null)).toBeNull()
  })
})
