import { act, screen } from '@testing-library/react'

import { saveSession } from '@/lib/session'
import { aRuntime } from '@/test/builders'
import { installFakeApi } from '@/test/fakeApi'
import { installFakeWebSocket } from '@/test/fakeWebSocket'
import { renderWithProviders } from '@/test/render'

import { LiveControlPage } from './LiveControlPage'

describe('LiveControlPage', () => {
  it('shows the stream live, then "disconnected, retrying" when it drops, with the snapshot still on screen', async () => {
    saveSession('token-abc', '2099-01-01T00:00:00Z')
    const sockets = installFakeWebSocket()
    installFakeApi({
      // The poll's answer is older than the stream's: whichever lands last, the page keeps the newer.
      'GET /trading/runtime': { body: aRuntime({ status: 'waiting', generated_at: '2025-01-31T10:00:00Z' }) },
      'GET /trading/risk-snapshot': { body: { book: null } },
      'GET /configs': { body: { items: [], total: 0 } },
    })
    renderWithProviders(<LiveControlPage />, { route: '/live', user: { id: 1, email: 'v@example.org', full_name: null, role: 'viewer' } })
    expect(screen.getByTestId('stream-state')).toHaveTextContent('Stream: connecting')
    const socket = sockets.opened[0]
    if (!socket) throw new Error('the page opened no stream')

    act(() => socket.serverOpens())
    act(() => socket.serverSends(aRuntime({ status: 'live', generated_at: '2025-01-31T10:00:02Z' })))
    expect(await screen.findByTestId('engine-status')).toHaveTextContent('live')
    expect(screen.getByTestId('stream-state')).toHaveTextContent('Stream: live')

    act(() => socket.serverCloses(1006))
    expect(screen.getByTestId('stream-state')).toHaveTextContent('Stream: disconnected, retrying')
    expect(screen.getByTestId('engine-status')).toHaveTextContent('live')
  })
})
