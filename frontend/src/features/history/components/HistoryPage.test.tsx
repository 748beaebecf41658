import { fireEvent, screen, waitFor, within } from '@testing-library/react'
import dayjs from 'dayjs'

import { aSession, aSessionPage } from '@/test/builders'
import { installFakeApi, type FakeApi } from '@/test/fakeApi'
import { pressKey, renderWithProviders } from '@/test/render'

import { exportQuery } from '../api/exportSessions'
import { HistoryPage } from './HistoryPage'
import { rangeToQuery } from './SessionFilterBar'

const PROFILES = { body: { items: [{ id: 3, name: 'Morning' }, { id: 4, name: 'Evening' }] } }

function queries(fake: FakeApi, path: string): URLSearchParams[] {
  return fake.requests.filter((r) => r.path === path).map((r) => new URLSearchParams(r.search))
}
const sessionQueries = (fake: FakeApi) => queries(fake, '/trading/sessions')

async function choose(filter: string, option: string): Promise<void> {
  fireEvent.mouseDown(screen.getByRole('combobox', { name: filter }))
  fireEvent.click(await screen.findByTitle(option))
}

/** Type both ends of the range picker as the operator would (each ended with Enter). */
async function pickDays(from: string, to: string): Promise<void> {
  const start = screen.getByPlaceholderText('From (UTC day)')
  fireEvent.mouseDown(start)
  fireEvent.change(start, { target: { value: from } })
  pressKey(start, 'Enter')
  const end = screen.getByPlaceholderText('To (UTC day)')
  fireEvent.change(end, { target: { value: to } })
  pressKey(end, 'Enter')
}

describe('History filters', () => {
  it('sends the chosen profile and mode to the server, back on page one', async () => {
    const fake = installFakeApi({
      'GET /trading/sessions': { body: aSessionPage([], { total: 60 }) },
      'GET /configs': PROFILES,
    })
    renderWithProviders(<HistoryPage />, { route: '/history' })
    await waitFor(() => expect(sessionQueries(fake)).toHaveLength(1))
    expect(sessionQueries(fake)[0]?.has('mode')).toBe(false)
    fireEvent.click(await screen.findByTitle('2'))
    await waitFor(() => expect(sessionQueries(fake).at(-1)?.get('page')).toBe('2'))

    await choose('mode filter', 'PAPER')
    await waitFor(() => expect(sessionQueries(fake).at(-1)?.get('mode')).toBe('paper'))
    await choose('profile filter', 'Morning')
    await waitFor(() => expect(sessionQueries(fake).at(-1)?.get('strategy_id')).toBe('3'))
    const last = sessionQueries(fake).at(-1)
    expect(last?.get('mode')).toBe('paper')
    expect(last?.get('page')).toBe('1')
    expect(last?.has('start')).toBe(false)
  })

  it('sends a picked range of UTC days as start and end', async () => {
    const fake = installFakeApi({ 'GET /trading/sessions': { body: aSessionPage([]) }, 'GET /configs': PROFILES })
    renderWithProviders(<HistoryPage />, { route: '/history' })
    await waitFor(() => expect(sessionQueries(fake)).toHaveLength(1))

    await pickDays('2025-01-05', '2025-01-07')

    await waitFor(() => expect(sessionQueries(fake).at(-1)?.get('end')).toBe('2025-01-07'))
    expect(sessionQueries(fake).at(-1)?.get('start')).toBe('2025-01-05')
  })

  it('turns a picked range into UTC days, either end optional', () => {
    expect(rangeToQuery([dayjs('2025-01-05T23:30:00'), dayjs('2025-01-07T00:10:00')])).toEqual({ start: '2025-01-05', end: '2025-01-07' })
    expect(rangeToQuery([null, dayjs('2025-01-07')])).toEqual({ start: undefined, end: '2025-01-07' })
    expect(rangeToQuery(null)).toEqual({ start: undefined, end: undefined })
  })
})

describe('History export', () => {
  beforeEach(() => {
    // jsdom has no object URLs; the download link only needs a string to point at.
    Object.defineProperty(URL, 'createObjectURL', { configurable: true, value: () => 'blob:sessions' })
    Object.defineProperty(URL, 'revokeObjectURL', { configurable: true, value: () => undefined })
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined)
  })

  it('exports exactly what the filters show: profile, mode and days go with the request', async () => {
    const fake = installFakeApi({
      'GET /trading/sessions': { body: aSessionPage([aSession()]) },
      'GET /configs': PROFILES,
      'GET /trading/sessions/export': { body: 'csv', headers: { 'Content-Disposition': 'attachment; filename="trading-sessions-x.csv"' } },
    })
    renderWithProviders(<HistoryPage />, { route: '/history' })
    await choose('mode filter', 'LIVE')
    await choose('profile filter', 'Evening')
    await pickDays('2025-01-05', '2025-01-07')
    await waitFor(() => expect(sessionQueries(fake).at(-1)?.get('start')).toBe('2025-01-05'))

    fireEvent.click(screen.getByRole('button', { name: /Export CSV/ }))

    await waitFor(() => expect(queries(fake, '/trading/sessions/export')).toHaveLength(1))
    const sent = Object.fromEntries(queries(fake, '/trading/sessions/export')[0] ?? [])
    expect(sent).toEqual({ format: 'csv', mode: 'live', strategy_id: '4', start: '2025-01-05', end: '2025-01-07' })
    expect(await screen.findByText('Downloaded trading-sessions-x.csv')).toBeInTheDocument()
  })

  it('exports every session when no filter is set', () => {
    expect(exportQuery({})).toEqual({ format: 'csv' })
    expect(exportQuery({ strategy_id: 3, mode: undefined, start: undefined, end: '2025-01-07' })).toEqual({ format: 'csv', strategy_id: '3', end: '2025-01-07' })
  })
})

describe('History table', () => {
  it('shows each session with its profile version, mode, outcome and exit reason', async () => {
    installFakeApi({
      'GET /trading/sessions': { body: aSessionPage([aSession({ id: 12, exit_reason: 'panic', pnl: { net_usd: '-12.50', fees_usd: '4.00' } })]) },
      'GET /configs': PROFILES,
    })
    renderWithProviders(<HistoryPage />, { route: '/history' })
    const row = (await screen.findByRole('button', { name: 'details of session 12' })).closest('tr') as HTMLElement
    expect(row).toHaveTextContent('Morning v2')
    expect(within(row).getByText('SIM')).toBeInTheDocument()
    expect(within(row).getByTestId('exit-reason-cell')).toHaveTextContent('panic')
    expect(row).toHaveTextContent('\u2212$12.50') // a true minus sign
    expect(screen.getByText('1 session')).toBeInTheDocument()
  })

  it('says when there is nothing yet, and when the filters leave nothing', async () => {
    installFakeApi({ 'GET /trading/sessions': { body: aSessionPage([]) }, 'GET /configs': PROFILES })
    renderWithProviders(<HistoryPage />, { route: '/history' })
    expect(await screen.findByText('No sessions yet.')).toBeInTheDocument()
    await choose('mode filter', 'PAPER')
    expect(await screen.findByText('No session matches these filters.')).toBeInTheDocument()
  })

  it("shows the server's reason when the list cannot be read", async () => {
    installFakeApi({ 'GET /trading/sessions': { status: 500, body: { detail: 'database is locked' } }, 'GET /configs': PROFILES })
    renderWithProviders(<HistoryPage />, { route: '/history' })
    expect(await screen.findByRole('alert')).toHaveTextContent('database is locked')
  })

  it('pages by 10, 25, 50 or 100 sessions; a new size starts again on page one', async () => {
    const fake = installFakeApi({ 'GET /trading/sessions': { body: aSessionPage([], { total: 300 }) }, 'GET /configs': PROFILES })
    renderWithProviders(<HistoryPage />, { route: '/history' })
    fireEvent.click(await screen.findByTitle('3'))
    await waitFor(() => expect(sessionQueries(fake).at(-1)?.get('page')).toBe('3'))
    expect(sessionQueries(fake).at(-1)?.get('page_size')).toBe('25')

    fireEvent.mouseDown(screen.getByRole('combobox', { name: /page size/i }))
    const sizes = await screen.findAllByRole('option')
    expect(sizes.map((o) => o.textContent)).toEqual(['10 / page', '25 / page', '50 / page', '100 / page'])
    fireEvent.click(screen.getByTitle('100 / page'))

    await waitFor(() => expect(sessionQueries(fake).at(-1)?.get('page_size')).toBe('100'))
    expect(sessionQueries(fake).at(-1)?.get('page')).toBe('1')
  })
})
