import { fireEvent, screen, waitFor } from '@testing-library/react'

import { aHistoryReport, noMetrics } from '@/test/builders'
import { installFakeApi, type FakeApi } from '@/test/fakeApi'
import { pressKey, renderWithProviders } from '@/test/render'

import { AnalyticsPage } from './AnalyticsPage'

function historyQueries(fake: FakeApi): URLSearchParams[] {
  return fake.requests.filter((r) => r.path === '/analytics/history').map((r) => new URLSearchParams(r.search))
}

const point = (value: string) => ({ session_id: 1, timestamp: '2025-01-06T09:50:00Z', value })
const TRADED = aHistoryReport({
  metrics: noMetrics({
    trade_count: 8,
    win_count: 3,
    loss_count: 4,
    zero_pnl_count: 1,
    win_rate: '37.5',
    net_pnl: '15',
    pnl_before_fees: '95',
    fees_total: '80',
    max_drawdown: '120',
    consecutive_wins: 2,
    consecutive_losses: 3,
    profitable_days: 3,
    days_running: 7,
  }),
  charts: {
    cumulative_pnl: [point('100')],
    cumulative_gross_pnl: [point('110')],
    cumulative_fees: [point('10')],
    drawdown: [point('0')],
    rolling_win_rate: [point('100')],
    pnl_histogram: [{ start: '-50', end: '0', count: 4 }],
  },
  exit_reasons: [{ exit_reason: 'max_loss', count: 3, net_pnl: '-120', average_pnl: '-40', win_count: 0 }],
})

describe('Analytics filters', () => {
  it('asks for the last 30 days of every mode first, then follows the preset and mode picked', async () => {
    const fake = installFakeApi({ 'GET /analytics/history': { body: aHistoryReport() } })
    renderWithProviders(<AnalyticsPage />, { route: '/analytics' })
    await waitFor(() => expect(historyQueries(fake)).toHaveLength(1))
    expect(Object.fromEntries(historyQueries(fake)[0] ?? [])).toEqual({ preset: '30D', mode: 'all', timeline_limit: '0' })

    fireEvent.click(screen.getByText('7D'))
    await waitFor(() => expect(historyQueries(fake).at(-1)?.get('preset')).toBe('7D'))
    fireEvent.mouseDown(screen.getByRole('combobox', { name: 'mode' }))
    fireEvent.click(await screen.findByTitle('LIVE'))
    await waitFor(() => expect(historyQueries(fake).at(-1)?.get('mode')).toBe('live'))
    expect(historyQueries(fake).at(-1)?.get('preset')).toBe('7D')
  })

  it('narrows to a profile by id or name, and lets go of it when cleared', async () => {
    const fake = installFakeApi({ 'GET /analytics/history': { body: aHistoryReport() } })
    renderWithProviders(<AnalyticsPage />, { route: '/analytics' })
    const search = (text: string) => {
      fireEvent.change(screen.getByRole('searchbox', { name: 'profile' }), { target: { value: text } })
      pressKey(screen.getByRole('searchbox', { name: 'profile' }), 'Enter')
    }
    search('  Morning ')
    await waitFor(() => expect(historyQueries(fake).at(-1)?.get('strategy_id')).toBe('Morning'))
    search('')
    await waitFor(() => expect(historyQueries(fake).at(-1)?.has('strategy_id')).toBe(false))
  })

  it('sends a custom range as whole local days, and no range for a preset', async () => {
    const fake = installFakeApi({ 'GET /analytics/history': { body: aHistoryReport() } })
    renderWithProviders(<AnalyticsPage />, { route: '/analytics' })
    fireEvent.click(screen.getByText('Custom'))
    const start = await screen.findByPlaceholderText('Start date')
    fireEvent.mouseDown(start)
    fireEvent.change(start, { target: { value: '2025-01-05' } })
    pressKey(start, 'Enter')
    const end = screen.getByPlaceholderText('End date')
    fireEvent.change(end, { target: { value: '2025-01-07' } })
    pressKey(end, 'Enter')

    await waitFor(() => expect(historyQueries(fake).at(-1)?.has('end')).toBe(true))
    const sent = historyQueries(fake).at(-1)
    expect(sent?.get('preset')).toBe('custom')
    expect(new Date(sent?.get('start') ?? '').getTime()).toBe(new Date(2025, 0, 5).getTime())
    expect(new Date(sent?.get('end') ?? '').getTime()).toBe(new Date(2025, 0, 7, 23, 59, 59, 999).getTime())
  })
})

describe('Analytics report', () => {
  it('shows the KPI tiles of the range', async () => {
    installFakeApi({ 'GET /analytics/history': { body: TRADED } })
    renderWithProviders(<AnalyticsPage />, { route: '/analytics' })
    const tile = async (title: string) => (await screen.findByText(title)).closest('.ant-statistic') as HTMLElement
    expect(await tile('Net PnL (after fees)')).toHaveTextContent('+$15.00')
    expect(await tile('Fees paid')).toHaveTextContent('$80.00')
    expect(await tile('Sessions')).toHaveTextContent('8')
    expect(await tile('Win rate')).toHaveTextContent('37.5%')
    expect(await tile('Streaks (win / loss)')).toHaveTextContent('2 / 3')
    expect(await tile('Profitable days')).toHaveTextContent('3 of 7')
    // The chart's place is taken at once (ECharts itself arrives lazily).
    expect((await screen.findAllByLabelText(/cumulative net PnL/)).length).toBeGreaterThan(0)
  })

  it('says so when no session finished in the range, with no tiles or charts', async () => {
    installFakeApi({ 'GET /analytics/history': { body: aHistoryReport() } })
    renderWithProviders(<AnalyticsPage />, { route: '/analytics' })
    expect(await screen.findByText('No finished sessions in this range.')).toBeInTheDocument()
    expect(screen.queryByText('Net PnL (after fees)')).not.toBeInTheDocument()
  })

  it('warns when the history is stale and counts sessions still open', async () => {
    const stale = aHistoryReport({ status: { is_stale: true, latest_timestamp: null, message: 'journal is 3 h behind', open_sessions: 1 } })
    installFakeApi({ 'GET /analytics/history': { body: stale } })
    renderWithProviders(<AnalyticsPage />, { route: '/analytics' })
    expect(await screen.findByText(/1 session\(s\) still open \(not counted\)/)).toBeInTheDocument()
    expect(screen.getAllByText('journal is 3 h behind', { exact: false }).length).toBeGreaterThan(1)
  })

  it("shows the server's reason when the report cannot be made", async () => {
    installFakeApi({ 'GET /analytics/history': { status: 422, body: { detail: 'preset=custom needs a start (and optionally an end)' } } })
    renderWithProviders(<AnalyticsPage />, { route: '/analytics' })
    expect(await screen.findByRole('alert')).toHaveTextContent('preset=custom needs a start')
  })
})
