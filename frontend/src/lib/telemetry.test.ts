import { installFakeApi } from '@/test/fakeApi'

import { env } from './env'
import { saveSession } from './session'
import { reportClientError } from './telemetry'

describe('reportClientError', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    ;(env as { remoteLogs: boolean }).remoteLogs = true
  })
  afterEach(() => {
    vi.useRealTimers()
    ;(env as { remoteLogs: boolean }).remoteLogs = false
  })

  it('batches errors as JSON {logs: [...]} with the bearer token, once per message', async () => {
    const fake = installFakeApi({ 'POST /logs/batch': { status: 202, body: { accepted: 1 } } })
    saveSession('tok', '2099-01-01T00:00:00Z')
    reportClientError('ui_render_error', 'boom')
    reportClientError('ui_render_error', 'boom')
    await vi.advanceTimersByTimeAsync(2500)
    expect(fake.requests).toHaveLength(1)
    const request = fake.requests[0]
    expect(request?.headers.get('Content-Type')).toBe('application/json')
    expect(request?.headers.get('Authorization')).toBe('Bearer tok')
    const body = JSON.parse(request?.body ?? '{}') as { logs: { event: string; level: string }[] }
    expect(body.logs).toHaveLength(1)
    expect(body.logs[0]).toMatchObject({ event: 'ui_render_error', level: 'error' })
  })

  it('sends nothing while nobody is logged in', async () => {
    const fake = installFakeApi()
    reportClientError('ui_render_error', 'before login')
    await vi.advanceTimersByTimeAsync(2500)
    expect(fake.requests).toHaveLength(0)
  })
})
