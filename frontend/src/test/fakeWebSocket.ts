/**
 * A hand-written WebSocket for unit tests: every socket the code opens is recorded, and the test
 * plays the server (open, message, close) on it. Nothing touches the network.
 */
import { vi } from 'vitest'

export class FakeWebSocket {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSING = 2
  static readonly CLOSED = 3
  /** Every socket opened since `installFakeWebSocket`, oldest first. */
  static opened: FakeWebSocket[] = []

  readonly url: string
  readonly sent: string[] = []
  readyState = FakeWebSocket.CONNECTING
  closedByClient = false
  onopen: ((event: Event) => void) | null = null
  onmessage: ((event: MessageEvent) => void) | null = null
  onclose: ((event: CloseEvent) => void) | null = null
  onerror: ((event: Event) => void) | null = null

  constructor(url: string | URL) {
    this.url = String(url)
    FakeWebSocket.opened.push(this)
  }

  send(data: string): void {
    if (this.readyState !== FakeWebSocket.OPEN) throw new Error('send on a socket that is not open')
    this.sent.push(data)
  }

  /** The client hangs up: like a browser, the socket then reports its own close (1005, no status). */
  close(): void {
    if (this.readyState === FakeWebSocket.CLOSED) return
    this.closedByClient = true
    this.readyState = FakeWebSocket.CLOSED
    this.onclose?.(new CloseEvent('close', { code: 1005 }))
  }

  /** The server accepts the connection. */
  serverOpens(): void {
    this.readyState = FakeWebSocket.OPEN
    this.onopen?.(new Event('open'))
  }

  /** The server sends one JSON message. */
  serverSends(payload: unknown): void {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(payload) }))
  }

  /** The connection drops (1006 when the network goes) or the server closes it with a code and reason. */
  serverCloses(code = 1006, reason = ''): void {
    this.readyState = FakeWebSocket.CLOSED
    this.onclose?.(new CloseEvent('close', { code, reason }))
  }
}

/** Replace the global WebSocket with the fake; return the class to reach the sockets. */
export function installFakeWebSocket(): typeof FakeWebSocket {
  FakeWebSocket.opened = []
  vi.stubGlobal('WebSocket', FakeWebSocket)
  return FakeWebSocket
}
