import { screen } from '@testing-library/react'

import { installFakeApi } from '@/test/fakeApi'
import { aUser, renderWithProviders } from '@/test/render'

import { RequireRole } from './RequireAuth'
import { Shell } from './Shell'

function renderShell(role: 'viewer' | 'trader' | 'admin', mode = 'sim') {
  installFakeApi({ 'GET /health': { body: { status: 'ok', version: '0.1.0', mode } } })
  return renderWithProviders(
    <Shell theme="light" onThemeChange={() => {}} zone="Asia/Kolkata" onZoneChange={() => {}} />,
    { user: aUser(role), route: '/live' },
  )
}

describe('Shell', () => {
  it('hides the Users page from a viewer', async () => {
    renderShell('viewer')
    expect(await screen.findByRole('link', { name: 'Live Control' })).toBeInTheDocument()
    expect(screen.queryByRole('link', { name: 'Users' })).not.toBeInTheDocument()
  })

  it('shows the Users page to an admin', async () => {
    renderShell('admin')
    expect(await screen.findByRole('link', { name: 'Users' })).toBeInTheDocument()
  })

  it('shows the mode from the health endpoint and a banner in live mode', async () => {
    renderShell('viewer', 'live')
    expect(await screen.findByTestId('live-banner')).toHaveTextContent('real money')
    expect(screen.getByTestId('mode-badge')).toHaveTextContent('LIVE')
  })

  it('names the user and role in the user menu', async () => {
    renderShell('trader')
    expect(await screen.findByTestId('user-menu')).toHaveTextContent('trader@example.org')
  })
})

describe('RequireRole', () => {
  it('shows a plain 403 when the role is too low', () => {
    renderWithProviders(
      <RequireRole role="admin">
        <p>secret</p>
      </RequireRole>,
      { user: aUser('trader') },
    )
    expect(screen.getByText('403: not allowed')).toBeInTheDocument()
    expect(screen.getByText('This page needs the admin role; you are signed in as trader.')).toBeInTheDocument()
    expect(screen.queryByText('secret')).not.toBeInTheDocument()
  })

  it('renders the page for a higher role', () => {
    renderWithProviders(
      <RequireRole role="trader">
        <p>controls</p>
      </RequireRole>,
      { user: aUser('admin') },
    )
    expect(screen.getByText('controls')).toBeInTheDocument()
  })
})
