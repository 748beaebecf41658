import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, renderHook } from '@testing-library/react'
import type { ReactNode } from 'react'

import { lastEndReason, saveSession, SESSION_ENDED_EVENT } from '@/lib/session'
import { aRuntime } from '@/test/builders'
import { installFakeWebSocket, type FakeWebSocket } from '@/test/fakeWebSocket'

import { newerSnapshot, runtimeKey } from './runtime'
import { streamUrl, useRuntimeStream } from './stream'

function renderStream() {
  const client = new QueryClient()
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>
  return { client, ...renderHook(() => useRuntimeStream(), { wrapper }) }
}

describe('useRuntimeStream', () => {
  let sockets: typeof FakeWebSocket
  const latest = () => {
    const socket = sockets.opened.at(-1)
    if (!socket) throw new Error('no socket was opened')
    return socket
  }

  beforeEach(() => {
    vi.useFakeTimers()
    sockets = installFakeWebSocket()
    saveSession('token-abc', '2099-01-01T00:00:00Z')
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('connects to the stream and sends the token as its first message, not in the URL', () => {
    const { result } = renderStream()
    expect(result.current.state).toBe('connecting')
    expect(sockets.opened).toHaveLength(1)
    expect(latest().url).toBe(streamUrl())
    expect(latest().url).toMatch(/^ws:\/\/.*\/api\/trading\/stream$/)
    expect(latest().url).not.toContain('token')

    act(() => latest().serverOpens())

    expect(latest().sent.map((m) => JSON.parse(m))).toEqual([{ token: 'token-abc' }])
  })

  it('writes every snapshot it receives into the runtime query and reports itself live', () => {
    const { result, client } = renderStream()
    act(() => latest().serverOpens())
    act(() => latest().serverSends(aRuntime({ status: 'waiting', session_id: 11 })))

    expect(result.current).toEqual({ state: 'live', reason: null })
    expect(client.getQueryData(runtimeKey)).toMatchObject({ status: 'waiting', session_id: 11 })

    act(() => latest().serverSends(aRuntime({ status: 'live', session_id: 11 })))
    expect(client.getQueryData(runtimeKey)).toMatchObject({ status: 'live' })
  })

  it('shows "disconnected, retrying" when the connection drops and reconnects after a growing delay', () => {
    const { result } = renderStream()
    act(() => latest().serverOpens())
    act(() => latest().serverSends(aRuntime()))

    act(() => latest().serverCloses(1006))
    expect(result.current.state).toBe('retrying')
    act(() => vi.advanceTimersByTime(1999))
    expect(sockets.opened).toHaveLength(1)
    act(() => vi.advanceTimersByTime(1))
    expect(sockets.opened).toHaveLength(2)

    // The second attempt fails too: the wait doubles.
    act(() => latest().serverCloses(1006))
    act(() => vi.advanceTimersByTime(3999))
    expect(sockets.opened).toHaveLength(2)
    act(() => vi.advanceTimersByTime(1))
    expect(sockets.opened).toHaveLength(3)

    // Back: the first snapshot makes it live again and resets the delay.
    act(() => latest().serverOpens())
    act(() => latest().serverSends(aRuntime()))
    expect(result.current.state).toBe('live')
    act(() => latest().serverCloses(1006))
    act(() => vi.advanceTimersByTime(2000))
    expect(sockets.opened).toHaveLength(4)
  })

  it('never waits more than 15 s between attempts', () => {
    renderStream()
    const delays: number[] = []
    for (let attempt = 0; attempt < 6; attempt += 1) {
      const before = sockets.opened.length
      act(() => latest().serverCloses(1006))
      let waited = 0
      while (sockets.opened.length === before) {
        act(() => vi.advanceTimersByTime(500))
        waited += 500
      }
      delays.push(waited)
    }
    expect(delays).toEqual([2000, 4000, 8000, 15000, 15000, 15000])
  })

  it('says the engine is not running here when the server closes with 1013, and keeps trying', () => {
    const { result } = renderStream()
    act(() => latest().serverOpens())
    act(() => latest().serverCloses(1013, 'engine lock held by another instance'))

    expect(result.current).toEqual({ state: 'unavailable', reason: 'engine lock held by another instance' })
    act(() => vi.advanceTimersByTime(2000))
    expect(sockets.opened).toHaveLength(2)
  })

  it('ends the session instead of retrying when the server says it is no longer valid (4401)', () => {
    const ended: string[] = []
    const listener = (event: Event) => ended.push((event as CustomEvent<string>).detail)
    window.addEventListener(SESSION_ENDED_EVENT, listener)
    renderStream()
    act(() => latest().serverOpens())
    act(() => latest().serverCloses(4401, 'session is no longer valid: log in again'))
    window.removeEventListener(SESSION_ENDED_EVENT, listener)

    expect(ended).toEqual(['expired'])
    expect(lastEndReason()).toBe('expired')
    act(() => vi.advanceTimersByTime(60_000))
    expect(sockets.opened).toHaveLength(1)
  })

  it('hangs up when the page goes away, without retrying', () => {
    const { unmount } = renderStream()
    act(() => latest().serverOpens())
    unmount()

    expect(latest().closedByClient).toBe(true)
    act(() => vi.advanceTimersByTime(60_000))
    expect(sockets.opened).toHaveLength(1)
  })

  it('drops a pending retry when the page goes away', () => {
    const { unmount } = renderStream()
    act(() => latest().serverCloses(1006))
    unmount()

    act(() => vi.advanceTimersByTime(60_000))
    expect(sockets.opened).toHaveLength(1)
  })
})

describe('newerSnapshot', () => {
  it('keeps the snapshot generated later, whichever arrives last', () => {
    const older = aRuntime({ generated_at: '2025-01-31T10:00:00Z', status: 'waiting' })
    const newer = aRuntime({ generated_at: '2025-01-31T10:00:02Z', status: 'live' })
    expect(newerSnapshot(newer, older)).toBe(newer)
    expect(newerSnapshot(older, newer)).toEqual(newer)
    expect(newerSnapshot(undefined, older)).toEqual(older)
  })
})
