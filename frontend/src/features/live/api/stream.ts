/**
 * The live stream (`/trading/stream`, WebSocket): every message is a full RuntimeSnapshot, written
 * into the runtime query's cache. The token goes in the first message, not the URL, so it never
 * appears in access logs. Drops reconnect with a growing delay and show as "disconnected, retrying";
 * a close with 4401 (the session is no longer valid) ends the session instead, like any 401.
 */
import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'

import { resolveBaseUrl } from '@/lib/api'
import { currentToken, endSession } from '@/lib/session'

import { runtimeKey, type Runtime } from './runtime'

export type StreamState = 'connecting' | 'live' | 'retrying' | 'unavailable'

/** Turn the API base into the stream's ws:// or wss:// URL. */
export function streamUrl(base = resolveBaseUrl()): string {
  return `${base.replace(/^http/, 'ws')}/trading/stream`
}

/** Keep the runtime snapshot fresh from the stream; return the connection state. */
export function useRuntimeStream(): { state: StreamState; reason: string | null } {
  const client = useQueryClient()
  const [state, setState] = useState<StreamState>('connecting')
  const [reason, setReason] = useState<string | null>(null)

  useEffect(() => {
    let socket: WebSocket | null = null
    let timer: ReturnType<typeof setTimeout> | undefined
    let attempt = 0
    let closed = false

    const connect = () => {
      socket = new WebSocket(streamUrl())
      socket.onopen = () => socket?.send(JSON.stringify({ token: currentToken() }))
      socket.onmessage = (event) => {
        attempt = 0
        setState('live')
        setReason(null)
        client.setQueryData(runtimeKey, JSON.parse(String(event.data)) as Runtime)
      }
      socket.onclose = (event) => {
        if (closed) return
        // 4401: the server no longer accepts this session (user disabled, password changed, token expired).
        if (event.code === 4401) {
          endSession('expired')
          return
        }
        // 1013: the engine is not running here (another instance holds the lock); keep polling, retry slowly.
        setState(event.code === 1013 ? 'unavailable' : 'retrying')
        setReason(event.reason || null)
        attempt += 1
        timer = setTimeout(connect, Math.min(1000 * 2 ** Math.min(attempt, 4), 15_000))
      }
    }
    connect()
    return () => {
      closed = true
      clearTimeout(timer)
      socket?.close()
    }
  }, [client])

  return { state, reason }
}
