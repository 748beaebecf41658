import { Alert, Space, Typography } from 'antd'

import { formatNumber } from '@/lib/format'

import type { Runtime } from '../api/runtime'

type AlertItem = Runtime['alerts'][number]
type AlertType = 'error' | 'warning' | 'info'

const RANK: Record<AlertType, number> = { error: 0, warning: 1, info: 2 }

/** Map the engine's level to an Alert type; an unknown level is shown as a warning, never hidden. */
export function alertType(level: string): AlertType {
  return level === 'error' || level === 'info' ? level : 'warning'
}

function View({ label, value, testId }: { label: string; value: unknown; testId: string }) {
  const text = value === null || value === undefined ? 'unknown' : typeof value === 'string' ? value : JSON.stringify(value, null, 2)
  return (
    <div data-testid={testId}>
      <Typography.Text strong>{label}</Typography.Text>
      <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{text}</pre>
    </div>
  )
}

function HaltedViews({ alert }: { alert: AlertItem }) {
  const d = alert.details
  return (
    <Space orientation="vertical" size={4}>
      {d.reason !== undefined && d.reason !== null && <span>Reason: {String(d.reason)}</span>}
      <View label="Engine's view (journal)" value={d.engine} testId="halt-engine-view" />
      <View label="Exchange's view" value={d.exchange} testId="halt-exchange-view" />
      {d.previous_state !== undefined && d.previous_state !== null && <span>State before the halt: {String(d.previous_state)}</span>}
      <span>The engine will not trade until an operator reconciles and restarts it.</span>
    </Space>
  )
}

/** Every alert in the snapshot, most severe first, plus warnings and halt/stale states no alert already states. */
export function RuntimeAlerts({ runtime: r }: { runtime: Runtime }) {
  const alerts = [...r.alerts].sort((a, b) => RANK[alertType(a.level)] - RANK[alertType(b.level)])
  const codes = new Set(alerts.map((a) => a.code))
  const messages = new Set(alerts.map((a) => a.message))
  // The snapshot's warnings repeat alert messages; show each remaining one once.
  const warnings = r.warnings.filter((w) => !messages.has(w))
  return (
    <>
      {alerts.map((a, i) => (
        <Alert
          key={`${a.code}-${i}`}
          data-testid={`alert-${a.code}`}
          type={alertType(a.level)}
          showIcon
          title={a.message}
          description={a.code === 'halted' ? <HaltedViews alert={a} /> : undefined}
        />
      ))}
      {r.halt_reason && !codes.has('halted') && (
        <Alert
          type="error"
          showIcon
          title={`Halted: ${r.halt_reason}`}
          description={
            r.halt_views ? (
              <Space orientation="vertical" size={4}>
                <View label="Engine's view (journal)" value={r.halt_views.journal} testId="halt-engine-view" />
                <View label="Exchange's view" value={r.halt_views.exchange} testId="halt-exchange-view" />
              </Space>
            ) : (
              'The engine cannot tell what it holds; it will not trade until an operator restarts it.'
            )
          }
        />
      )}
      {!r.quotes_fresh && !codes.has('stale_quotes') && (
        <Alert type="warning" showIcon title={`Stale quotes (oldest ${formatNumber(r.max_quote_age_seconds, 0)} s): exits will not fire on old prices.`} />
      )}
      {warnings.map((w) => (
        <Alert key={w} type="warning" showIcon title={w} />
      ))}
    </>
  )
}
