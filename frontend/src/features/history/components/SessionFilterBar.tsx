import { DatePicker, Select, Space } from 'antd'
import dayjs, { type Dayjs } from 'dayjs'

import type { SessionFilters } from '../api/listSessions'
import { useProfileOptions } from '../api/profileOptions'

type Mode = NonNullable<SessionFilters['mode']>
type Range = [Dayjs | null, Dayjs | null] | null

const MODES: { value: Mode; label: string }[] = [
  { value: 'sim', label: 'SIM' },
  { value: 'paper', label: 'PAPER' },
  { value: 'live', label: 'LIVE' },
]

/** Turn picked calendar days into the server's `start`/`end` (UTC dates; the end day is included). */
export function rangeToQuery(range: Range): Pick<SessionFilters, 'start' | 'end'> {
  return { start: range?.[0]?.format('YYYY-MM-DD') ?? undefined, end: range?.[1]?.format('YYYY-MM-DD') ?? undefined }
}

function queryToRange(filters: SessionFilters): Range {
  if (!filters.start && !filters.end) return null
  return [filters.start ? dayjs(filters.start) : null, filters.end ? dayjs(filters.end) : null]
}

/** Filter sessions by profile, mode and a range of UTC days; every change goes straight to `onChange`. */
export function SessionFilterBar({ value, onChange }: { value: SessionFilters; onChange: (next: SessionFilters) => void }) {
  const profiles = useProfileOptions()
  return (
    <Space wrap>
      <Select<number>
        aria-label="profile filter"
        placeholder="All profiles"
        allowClear
        showSearch={{ optionFilterProp: 'label' }}
        loading={profiles.isLoading}
        style={{ width: 220 }}
        value={value.strategy_id ?? undefined}
        options={profiles.data ?? []}
        onChange={(id) => onChange({ ...value, strategy_id: id ?? undefined })}
      />
      <Select<Mode>
        aria-label="mode filter"
        placeholder="All modes"
        allowClear
        style={{ width: 140 }}
        value={value.mode ?? undefined}
        options={MODES}
        onChange={(mode) => onChange({ ...value, mode: mode ?? undefined })}
      />
      <DatePicker.RangePicker
        aria-label="date range (UTC days)"
        allowEmpty={[true, true]}
        placeholder={['From (UTC day)', 'To (UTC day)']}
        value={queryToRange(value)}
        onChange={(range) => onChange({ ...value, ...rangeToQuery(range) })}
      />
    </Space>
  )
}
