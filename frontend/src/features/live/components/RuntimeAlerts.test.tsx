import { screen, within } from '@testing-library/react'

import { aRuntime } from '@/test/builders'
import { renderWithProviders } from '@/test/render'

import type { Runtime } from '../api/runtime'
import { alertType, RuntimeAlerts } from './RuntimeAlerts'

function runtime(overrides: Partial<Runtime> = {}): Runtime {
  return aRuntime({ mode: 'live', ...overrides })
}

const HALTED: Runtime['alerts'][number] = {
  code: 'halted',
  level: 'error',
  message: 'halted: position mismatch; engine C-BTC-97600-310125 -1 vs exchange none',
  details: {
    reason: 'position mismatch',
    engine: { 'C-BTC-97600-310125': -1 },
    exchange: { 'C-BTC-97600-310125': 0 },
    previous_state: 'live',
  },
}

describe('RuntimeAlerts', () => {
  it('colours each alert by its severity, most severe first', () => {
    renderWithProviders(
      <RuntimeAlerts
        runtime={runtime({
          alerts: [
            { code: 'disarmed_monitoring', level: 'info', message: 'stopped with keep-monitoring', details: {} },
            { code: 'stale_quotes', level: 'warning', message: 'no fresh quote for C-BTC-97600-310125', details: {} },
            HALTED,
          ],
        })}
      />,
    )
    const shown = screen.getAllByRole('alert')
    expect(shown.map((a) => a.getAttribute('data-testid'))).toEqual(['alert-halted', 'alert-stale_quotes', 'alert-disarmed_monitoring'])
    expect(shown[0]).toHaveClass('ant-alert-error')
    expect(shown[1]).toHaveClass('ant-alert-warning')
    expect(shown[2]).toHaveClass('ant-alert-info')
  })

  it("shows a halted alert with the engine's and the exchange's views side by side", () => {
    renderWithProviders(<RuntimeAlerts runtime={runtime({ status: 'halted', halt_reason: 'position mismatch', alerts: [HALTED] })} />)
    const halted = screen.getByTestId('alert-halted')
    expect(within(halted).getByTestId('halt-engine-view')).toHaveTextContent(/Engine's view.*"C-BTC-97600-310125": -1/s)
    expect(within(halted).getByTestId('halt-exchange-view')).toHaveTextContent(/Exchange's view.*"C-BTC-97600-310125": 0/s)
    expect(halted).toHaveTextContent('State before the halt: live')
    // The halt is told once: the snapshot's halt_reason does not add a second banner.
    expect(screen.getAllByRole('alert')).toHaveLength(1)
  })

  it('shows a warning that no alert already states, once', () => {
    renderWithProviders(
      <RuntimeAlerts
        runtime={runtime({
          warnings: ['no spot price received yet', 'exchange clock skew 3 s'],
          alerts: [{ code: 'spot_unknown', level: 'warning', message: 'no spot price received yet', details: {} }],
        })}
      />,
    )
    expect(screen.getAllByText('no spot price received yet')).toHaveLength(1)
    expect(screen.getByText('exchange clock skew 3 s')).toBeInTheDocument()
  })

  it('treats an unknown level as a warning rather than hiding it', () => {
    expect(alertType('critical')).toBe('warning')
    expect(alertType('error')).toBe('error')
    expect(alertType('info')).toBe('info')
  })
})
