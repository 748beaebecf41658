/**
 * Follow `/logs/backend/stream` (server-sent events). EventSource cannot send a bearer header, so
 * the stream is read with fetch and parsed here.
 */
import { useEffect, useRef, useState } from 'react'

import { resolveBaseUrl } from '@/lib/api'
import { currentToken, endSession } from '@/lib/session'

import type { LogFilters } from './filters'
import type { LogRow } from './listLogs'

export type TailState = 'off' | 'connecting' | 'live' | 'retrying'

interface SseEvent {
  event: string
  data: string
}

/** Split an SSE text buffer into complete events and the unfinished rest. */
export function parseSse(buffer: string): { events: SseEvent[]; rest: string } {
  const blocks = buffer.split(/\r?\n\r?\n/)
  const rest = blocks.pop() ?? ''
  const events = blocks.flatMap((block) => {
    let event = 'message'
    const data: string[] = []
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith(':')) continue // keep-alive comment
      if (line.startsWith('event:')) event = line.slice(6).trim()
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
    }
    return data.length ? [{ event, data: data.join('\n') }] : []
  })
  return { events, rest }
}

const RETRY_MS = 3000

/** While `enabled`, call `onRows` with each batch of new matching rows; reconnects after drops. */
export function useLogTail(enabled: boolean, filters: LogFilters, onRows: (rows: LogRow[]) => void): TailState {
  const [state, setState] = useState<TailState>('off')
  const callback = useRef(onRows)
  useEffect(() => {
    callback.current = onRows
  }, [onRows])
  const key = JSON.stringify(filters)

  useEffect(() => {
    if (!enabled) return
    const controller = new AbortController()
    let afterId: number | null = null
    let timer: ReturnType<typeof setTimeout> | undefined

    const connect = async () => {
      setState((s) => (s === 'retrying' ? s : 'connecting'))
      const url = new URL(`${resolveBaseUrl()}/logs/backend/stream`)
      for (const [k, v] of Object.entries(JSON.parse(key) as LogFilters)) if (v) url.searchParams.set(k, v)
      if (afterId !== null) url.searchParams.set('after_id', String(afterId))
      const token = currentToken()
      try {
        const response = await fetch(url, {
          headers: { Accept: 'text/event-stream', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
          signal: controller.signal,
        })
        if (response.status === 401 && token) {
          endSession('expired')
          return
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`)
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
        let buffer = ''
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          const parsed = parseSse(buffer + value)
          buffer = parsed.rest
          const rows: LogRow[] = []
          for (const e of parsed.events) {
            if (e.event === 'ready') {
              const ready = JSON.parse(e.data) as { after_id: number | null }
              afterId ??= ready.after_id
              setState('live')
            } else if (e.event === 'log') {
              const row = JSON.parse(e.data) as LogRow
              afterId = Math.max(afterId ?? 0, row.id)
              rows.push(row)
            }
          }
          if (rows.length) callback.current(rows)
        }
        throw new Error('stream closed')
      } catch {
        if (controller.signal.aborted) return
        setState('retrying')
        timer = setTimeout(() => void connect(), RETRY_MS)
      }
    }
    void connect()
    return () => {
      controller.abort()
      clearTimeout(timer)
    }
  }, [enabled, key])

  return enabled ? state : 'off'
}
