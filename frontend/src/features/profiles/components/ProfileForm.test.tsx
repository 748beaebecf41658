import { fireEvent, screen, waitFor } from '@testing-library/react'

import { installFakeApi } from '@/test/fakeApi'
import { fillIn, press, renderWithProviders } from '@/test/render'

import { ProfileForm } from './ProfileForm'

describe('ProfileForm', () => {
  it("shows the server's model-level error next to the field it names", async () => {
    installFakeApi({
      'POST /configs': {
        status: 422,
        body: {
          detail: [
            { loc: ['body', 'schedule'], msg: 'Value error, schedule.exit_time must be after schedule.entry_time (same local day)' },
          ],
        },
      },
    })
    renderWithProviders(<ProfileForm profile={null} canEdit onSaved={() => {}} />)
    fillIn('Name', 'Morning BTC')
    press('Create profile')
    const message = await screen.findByText('schedule.exit_time must be after schedule.entry_time (same local day)')
    expect(message.closest('.ant-form-item')).toHaveTextContent('Exit time')
  })

  it('posts the whole StrategyConfig with units as the API expects', async () => {
    const fake = installFakeApi({ 'POST /configs': { status: 201, body: { id: 1, name: 'Morning BTC', version: 1 } } })
    const onSaved = vi.fn()
    renderWithProviders(<ProfileForm profile={null} canEdit onSaved={onSaved} />)
    fillIn('Name', 'Morning BTC')
    press('Create profile')
    await waitFor(() => expect(onSaved).toHaveBeenCalled())
    const body = JSON.parse(fake.requests[0]?.body ?? '{}')
    expect(body).toMatchObject({
      name: 'Morning BTC',
      strikes: { mode: 'delta', delta_low: 0.1, delta_high: 0.15 },
      schedule: { entry_time: '09:30:00', timezone: 'Asia/Kolkata' },
      exits: { max_loss_pct: '40', max_profit_pct: '80' },
    })
  })

  it('sends the entry limits: by default a margin check and a stop after 3 failed entries, no notional cap', async () => {
    const fake = installFakeApi({ 'POST /configs': { status: 201, body: { id: 1, name: 'Morning BTC', version: 1 } } })
    const onSaved = vi.fn()
    renderWithProviders(<ProfileForm profile={null} canEdit onSaved={onSaved} />)
    fillIn('Name', 'Morning BTC')
    press('Create profile')
    await waitFor(() => expect(onSaved).toHaveBeenCalled())
    expect(JSON.parse(fake.requests[0]?.body ?? '{}').entry_limits).toEqual({
      max_notional_usd: null,
      check_margin: true,
      margin_pct_of_index: '10',
      margin_buffer_pct: '25',
      max_consecutive_failed_entries: 3,
    })
  })

  it('sends the notional cap as a decimal string, and an emptied failed-entries limit as off', async () => {
    const fake = installFakeApi({ 'POST /configs': { status: 201, body: { id: 1, name: 'Morning BTC', version: 1 } } })
    const onSaved = vi.fn()
    renderWithProviders(<ProfileForm profile={null} canEdit onSaved={onSaved} />)
    fillIn('Name', 'Morning BTC')
    fillIn('Max notional (both legs)', '2500.25')
    fillIn('Stop after failed entries in a row', '')
    fireEvent.click(screen.getByRole('switch', { name: /Check margin against the wallet/ }))
    press('Create profile')
    await waitFor(() => expect(onSaved).toHaveBeenCalled())
    expect(JSON.parse(fake.requests[0]?.body ?? '{}').entry_limits).toEqual({
      max_notional_usd: '2500.25',
      check_margin: false,
      margin_pct_of_index: '10',
      margin_buffer_pct: '25',
      max_consecutive_failed_entries: null,
    })
  })

  it("shows the server's refusal of an entry limit next to that field", async () => {
    installFakeApi({
      'POST /configs': {
        status: 422,
        body: { detail: [{ loc: ['body', 'entry_limits', 'max_notional_usd'], msg: 'Input should be greater than 0' }] },
      },
    })
    renderWithProviders(<ProfileForm profile={null} canEdit onSaved={() => {}} />)
    fillIn('Name', 'Morning BTC')
    fillIn('Max notional (both legs)', '0')
    press('Create profile')
    const message = await screen.findByText('Input should be greater than 0')
    expect(message.closest('.ant-form-item')).toHaveTextContent('Max notional (both legs)')
  })

  it('is read-only for a viewer: no save button', () => {
    renderWithProviders(<ProfileForm profile={null} canEdit={false} onSaved={() => {}} />)
    expect(screen.queryByRole('button', { name: 'Create profile' })).not.toBeInTheDocument()
    expect(screen.getByLabelText('Name')).toBeDisabled()
  })
})
