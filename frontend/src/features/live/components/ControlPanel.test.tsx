import { fireEvent, screen, waitFor } from '@testing-library/react'

import { aLeg, aRuntime } from '@/test/builders'
import { installFakeApi } from '@/test/fakeApi'
import { press, renderWithProviders } from '@/test/render'

import type { Runtime } from '../api/runtime'
import { consequence, ControlPanel } from './ControlPanel'

function runtime(overrides: Partial<Runtime> = {}): Runtime {
  return aRuntime({ legs: [aLeg('call'), aLeg('put')], ...overrides })
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
    fireEvent.click(await screen.findByLabelText(/Flatten now: buy back every open leg/))
    await waitFor(() => expect(ok).toBeEnabled())
    fireEvent.click(ok)
    await waitFor(() => expect(fake.requests.some((r) => r.path === '/trading/control')).toBe(true))
    const body = JSON.parse(fake.requests.find((r) => r.path === '/trading/control')?.body ?? '{}')
    expect(body).toMatchObject({ action: 'stop', stop_mode: 'flatten' })
  })

  it('tells the operator a slow panic is still running in the engine when the server answers 202', async () => {
    installFakeApi({
      'POST /trading/control': {
        status: 202,
        body: { action: 'panic', status: 'in_progress', message: 'still running in the engine after 30 s', session_id: 7 },
      },
    })
    renderWithProviders(<ControlPanel runtime={runtime({ status: 'live', session_id: 7 })} />, { route: '/live' })
    press('Panic: flatten now')
    fireEvent.click(await screen.findByRole('button', { name: 'Flatten now' }))
    expect(await screen.findByText('panic: still running in the engine after 30 s')).toBeInTheDocument()
  })
})
