import { parseSse } from './tailLogs'

describe('parseSse', () => {
  it('splits complete events and keeps the unfinished rest', () => {
    const text = 'event: ready\ndata: {"after_id": 5}\n\n: keep-alive\n\nid: 6\nevent: log\ndata: {"id": 6}\n\nid: 7\nevent: log\ndata: {"id"'
    const { events, rest } = parseSse(text)
    expect(events).toEqual([
      { event: 'ready', data: '{"after_id": 5}' },
      { event: 'log', data: '{"id": 6}' },
    ])
    expect(rest).toBe('id: 7\nevent: log\ndata: {"id"')
  })
})
