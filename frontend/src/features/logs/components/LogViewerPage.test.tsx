import { fireEvent, screen, waitFor } from '@testing-library/react'

import { installFakeApi } from '@/test/fakeApi'
import { renderWithProviders } from '@/test/render'

import { LogViewerPage } from './LogViewerPage'

function row(id: number, extra: Record<string, unknown> = {}) {
  return {
    id,
    logged_at: '2025-01-31T12:00:00Z',
    ingested_at: '2025-01-31T12:00:01Z',
    level: 'INFO',
    logger: 'delta_strangle.engine',
    event: 'order_placed',
    message: `message ${id}`,
    correlation_id: 'corr-1',
    request_id: null,
    user: null,
    strategy_id: null,
    session_id: '42',
    order_id: null,
    client_order_id: null,
    mode: 'sim',
    source: 'backend',
    flags: [],
    payload: { size: 3, symbol: 'C-BTC-95000-310125' },
    raw: null,
    ...extra,
  }
}

const SUMMARY = {
  since: '2025-01-31T11:00:00Z',
  until: '2025-01-31T12:00:00Z',
  counts_by_level: { INFO: 2 },
  top_events: [],
  top_loggers: [],
  latest_error: null,
  latest_warning: null,
  ingestion: {
    lag_bytes: 0,
    newest_logged_at: null,
    newest_ingested_at: null,
    last_row_delay_seconds: 1.5,
    seconds_since_last_row: 2,
    lines_ingested: 2,
    checkpoint_updated_at: null,
  },
}

describe('LogViewerPage', () => {
  it('lists rows newest first, shows the ingestion lag and expands a row to its payload', async () => {
    installFakeApi({
      'GET /logs/backend': { body: { items: [row(2), row(1)], next_cursor: 'abc', total: { value: 2, exact: true, relation: 'eq' } } },
      'GET /logs/backend/summary': { body: SUMMARY },
    })
    renderWithProviders(<LogViewerPage />, { route: '/logs' })
    expect(await screen.findByText('message 2')).toBeInTheDocument()
    expect(await screen.findByTestId('ingestion-lag')).toHaveTextContent('1s')
    expect(screen.getByTestId('log-total')).toHaveTextContent('2 matching')
    fireEvent.click(screen.getAllByRole('button', { name: /expand row/i })[0] as HTMLElement)
    expect(await screen.findByTestId('log-payload')).toHaveTextContent('C-BTC-95000-310125')
  })

  it('filters by a session id when it is clicked, and asks the server for it', async () => {
    const fake = installFakeApi({
      'GET /logs/backend': { body: { items: [row(1)], next_cursor: null, total: null } },
      'GET /logs/backend/summary': { body: SUMMARY },
    })
    renderWithProviders(<LogViewerPage />, { route: '/logs' })
    fireEvent.click(await screen.findByRole('button', { name: 'filter by session id 42' }))
    await waitFor(() => expect(fake.requests.some((r) => r.path === '/logs/backend' && r.search.includes('session_id=42'))).toBe(true))
  })

  it('pages to older rows with the cursor', async () => {
    const fake = installFakeApi({
      'GET /logs/backend': (r) =>
        r.search.includes('cursor=abc')
          ? { body: { items: [row(1)], next_cursor: null, total: null } }
          : { body: { items: [row(2)], next_cursor: 'abc', total: null } },
      'GET /logs/backend/summary': { body: SUMMARY },
    })
    renderWithProviders(<LogViewerPage />, { route: '/logs' })
    await screen.findByText('message 2')
    fireEvent.click(screen.getByRole('button', { name: 'Older' }))
    expect(await screen.findByText('message 1')).toBeInTheDocument()
    expect(fake.requests.filter((r) => r.path === '/logs/backend').at(-1)?.search).toContain('cursor=abc')
  })
})
