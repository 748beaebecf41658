import { screen, waitFor } from '@testing-library/react'

import { endSession } from '@/lib/session'
import { installFakeApi } from '@/test/fakeApi'
import { fillIn, press, renderWithProviders } from '@/test/render'

import { LoginPage } from './LoginPage'

describe('LoginPage', () => {
  it('asks for both fields before calling the server', async () => {
    const fake = installFakeApi()
    renderWithProviders(<LoginPage />, { user: null, route: '/login' })
    press('Log in')
    expect(await screen.findByText('Enter your e-mail.')).toBeInTheDocument()
    expect(screen.getByText('Enter your password.')).toBeInTheDocument()
    expect(fake.requests).toHaveLength(0)
  })

  it('rejects a malformed e-mail next to the field', async () => {
    renderWithProviders(<LoginPage />, { user: null, route: '/login' })
    fillIn('E-mail', 'not-an-email')
    press('Log in')
    expect(await screen.findByText('Enter a valid e-mail address.')).toBeInTheDocument()
  })

  it('says the credentials are wrong on a 401', async () => {
    installFakeApi({ 'POST /auth/login': { status: 401, body: { detail: 'wrong e-mail or password' } } })
    renderWithProviders(<LoginPage />, { user: null, route: '/login' })
    fillIn('E-mail', 'admin@example.org')
    fillIn('Password', 'nope')
    press('Log in')
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong e-mail or password.')
  })

  it('posts a form-encoded login and keeps the token for this tab', async () => {
    const fake = installFakeApi({
      'POST /auth/login': {
        body: { access_token: 'tok', token_type: 'bearer', expires_at: '2099-01-01T00:00:00Z', expires_in: 3600 },
      },
    })
    renderWithProviders(<LoginPage />, { user: null, route: '/login' })
    fillIn('E-mail', ' admin@example.org ')
    fillIn('Password', 'supersecretpass1')
    press('Log in')
    await waitFor(() => expect(sessionStorage.getItem('ds.session')).toContain('tok'))
    const body = new URLSearchParams(fake.requests[0]?.body)
    expect(body.get('username')).toBe('admin@example.org')
    expect(body.get('password')).toBe('supersecretpass1')
  })

  it('explains that the session expired', () => {
    endSession('expired')
    renderWithProviders(<LoginPage />, { user: null, route: '/login' })
    expect(screen.getByTestId('session-ended')).toHaveTextContent('Your session expired. Log in again to continue.')
  })
})
