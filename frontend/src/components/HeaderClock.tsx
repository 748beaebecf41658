import { Select, Space, Tooltip, Typography } from 'antd'
import { useEffect, useState } from 'react'

import { formatClock, formatDateTime, zoneLabel } from '@/lib/format'

const ZONES = ['Asia/Kolkata', 'UTC', 'Asia/Singapore', 'Asia/Dubai', 'Europe/London', 'America/New_York']

/** Show a ticking clock in UTC and the display zone; the zone can be changed in place. */
export function HeaderClock({ zone, onZoneChange }: { zone: string; onZoneChange: (zone: string) => void }) {
  const [now, setNow] = useState(() => new Date())
  useEffect(() => {
    const id = setInterval(() => setNow(new Date()), 1000)
    return () => clearInterval(id)
  }, [])
  const options = (ZONES.includes(zone) ? ZONES : [zone, ...ZONES]).map((z) => ({ value: z, label: `${zoneLabel(z)} · ${z}` }))
  return (
    <Space size={6} data-testid="header-clock">
      <Tooltip title={formatDateTime(now, 'UTC')}>
        <Typography.Text code aria-label="time in UTC">
          UTC {formatClock(now, 'UTC')}
        </Typography.Text>
      </Tooltip>
      {zone !== 'UTC' && (
        <Tooltip title={formatDateTime(now, zone)}>
          <Typography.Text code aria-label={`time in ${zone}`}>
            {zoneLabel(zone)} {formatClock(now, zone)}
          </Typography.Text>
        </Tooltip>
      )}
      <Select
        size="small"
        aria-label="display time zone"
        value={zone}
        options={options}
        onChange={onZoneChange}
        popupMatchSelectWidth={false}
        style={{ width: 80 }}
        labelRender={() => 'Zone'}
      />
    </Space>
  )
}
