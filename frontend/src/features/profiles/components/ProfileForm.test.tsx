import { screen, waitFor } from '@testing-library/react'

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

  it('is read-only for a viewer: no save button', () => {
    renderWithProviders(<ProfileForm profile={null} canEdit={false} onSaved={() => {}} />)
    expect(screen.queryByRole('button', { name: 'Create profile' })).not.toBeInTheDocument()
    expect(screen.getByLabelText('Name')).toBeDisabled()
  })
})
