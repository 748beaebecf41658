import { screen, waitFor } from '@testing-library/react'

import { installFakeApi } from '@/test/fakeApi'
import { fillIn, press, renderWithProviders } from '@/test/render'

import { ChangePasswordModal } from './ChangePasswordModal'

function fill(current: string, next: string, repeat: string) {
  fillIn('Current password', current)
  fillIn('New password', next)
  fillIn('Repeat new password', repeat)
  press('Change password')
}

describe('ChangePasswordModal', () => {
  it('refuses a short new password and a mismatched repeat without calling the server', async () => {
    const fake = installFakeApi()
    renderWithProviders(<ChangePasswordModal open onClose={() => {}} />)
    fill('old-password', 'short', 'different')
    expect(await screen.findByText('Use at least 12 characters.')).toBeInTheDocument()
    expect(screen.getByText('The two new passwords differ.')).toBeInTheDocument()
    expect(fake.requests).toHaveLength(0)
  })

  it("shows the server's reason when the current password is wrong", async () => {
    installFakeApi({ 'POST /auth/password': { status: 400, body: { detail: 'current_password is wrong' } } })
    const onClose = vi.fn()
    renderWithProviders(<ChangePasswordModal open onClose={onClose} />)
    fill('wrong-password', 'a-new-password-123', 'a-new-password-123')
    expect(await screen.findByText('current_password is wrong')).toBeInTheDocument()
    expect(onClose).not.toHaveBeenCalled()
  })

  it('sends both passwords and closes on success', async () => {
    const fake = installFakeApi({ 'POST /auth/password': { status: 204 } })
    const onClose = vi.fn()
    renderWithProviders(<ChangePasswordModal open onClose={onClose} />)
    fill('old-password-1', 'a-new-password-123', 'a-new-password-123')
    await waitFor(() => expect(onClose).toHaveBeenCalled())
    expect(JSON.parse(fake.requests[0]?.body ?? '{}')).toEqual({
      current_password: 'old-password-1',
      new_password: 'a-new-password-123',
    })
  })
})
