import { Tag, Tooltip } from 'antd'

const STYLES: Record<string, { color: string; label: string; help: string }> = {
  sim: { color: 'blue', label: 'SIM', help: 'Simulated market and simulated exchange: no real orders.' },
  paper: { color: 'gold', label: 'PAPER', help: 'Real Delta market data, simulated exchange: no real orders.' },
  live: { color: '#cf1322', label: 'LIVE', help: 'Real Delta Exchange account: orders use real money.' },
}

/** Show the backend's trading mode; LIVE is solid red and large so nobody can miss it. */
export function ModeBadge({ mode, loading = false }: { mode: string | undefined; loading?: boolean }) {
  const style = mode ? STYLES[mode] : undefined
  if (!style) {
    return (
      <Tooltip title={loading ? 'Asking the backend for its mode…' : 'The backend did not report a trading mode.'}>
        <Tag data-testid="mode-badge" aria-label="trading mode unknown">
          MODE ?
        </Tag>
      </Tooltip>
    )
  }
  const live = mode === 'live'
  return (
    <Tooltip title={style.help}>
      <Tag
        data-testid="mode-badge"
        data-mode={mode}
        aria-label={`trading mode ${style.label}`}
        color={style.color}
        variant={live ? 'solid' : 'outlined'}
        style={live ? { fontSize: 16, fontWeight: 800, padding: '2px 14px', letterSpacing: 2 } : { fontWeight: 700 }}
      >
        {live ? `● ${style.label} MONEY` : style.label}
      </Tag>
    </Tooltip>
  )
}
