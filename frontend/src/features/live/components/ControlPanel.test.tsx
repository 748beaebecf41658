import { screen, waitFor } from '@testing-library/react'

import { installFakeApi } from '@/test/fakeApi'
import { press, renderWithProviders } from '@/test/render'

import type { Runtime } from '../api/runtime'
import { consequence, ControlPanel } from './ControlPanel'

function runtime(overrides: Partial<Runtime> = {}): Runtime {
  return {
    generated_at: '2025-01-31T10:00:00Z',
    engine_running: true,
    status: 'live',
    mode: 'sim',
    armed: true,
    session_id: 7,
    profile_name: 'Morning',
    profile_id: 1,
    config_version: 2,
    schedule: {},
    legs: [
      { kind: 'call', symbol: 'C-BTC-97600-310125', size: -1 } as Runtime['legs'][number],
      { kind: 'put', symbol: 'P-BTC-92200-310125', size: -1 } as Runtime['legs'][number],
    ],
    totals: {},
    limits: [],
    trailing: {},
    spot: {},
    quotes_fresh: true,
    max_quote_age_seconds: null,
    exit_reason: null,
    exit_detail: null,
    halt_reason: null,
    halt_views: null,
    warnings: [],
    alerts: [],
    job_running: false,
    last_session_id: null,
    ...overrides,
  }
}

describe('ControlPanel', () => {
  it('says how many legs a panic will buy back', () => {
    expect(consequence('panic', runtime())).toContain('2 legs are open.')
    expect(consequence('restart', runtime())).toContain('does not close anything')
  })

  it('will not stop with open legs until the operator chooses keep-monitoring or flatten', async () => {
    const fake = installFakeApi({ 'POST /trading/control': { body: { action: 'stop', status: 'stopped', message: 'ok' } } })
    renderWithProviders(<ControlPanel runtime={runtime()} />, { route: '/live' })
    press('Stop')
    const ok = await screen.findByRole('button', { name: 'Yes, stop' })
    expect(ok).toBeDisabled()
    ;(await screen.findByLabelText(/Flatten now: buy back every open leg/)).click()
    await waitFor(() => expect(ok).toBeEnabled())
    ok.click()
    await waitFor(() => expect(fake.requests.some((r) => r.path === '/trading/control')).toBe(true))
    const body = JSON.parse(fake.requests.find((r) => r.path === '/trading/control')?.body ?? '{}')
    expect(body).toMatchObject({ action: 'stop', stop_mode: 'flatten' })
  })
})
