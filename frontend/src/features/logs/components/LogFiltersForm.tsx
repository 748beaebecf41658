import { Button, DatePicker, Form, Input, Select, Space } from 'antd'
import dayjs, { type Dayjs } from 'dayjs'
import { useEffect } from 'react'

import { LEVELS, type LogFilters } from '../api/filters'

interface Values {
  level?: string[]
  event?: string
  logger?: string
  correlation_id?: string
  session_id?: string
  strategy_id?: string
  search?: string
  range?: [Dayjs | null, Dayjs | null] | null
}

function toValues(filters: LogFilters): Values {
  return {
    level: filters.level ? filters.level.split(',') : [],
    event: filters.event,
    logger: filters.logger,
    correlation_id: filters.correlation_id,
    session_id: filters.session_id,
    strategy_id: filters.strategy_id,
    search: filters.search,
    range: filters.start || filters.end ? [filters.start ? dayjs(filters.start) : null, filters.end ? dayjs(filters.end) : null] : null,
  }
}

function toFilters(values: Values, keep: LogFilters): LogFilters {
  return {
    // Filters the form does not show (order ids from a link) are kept until Reset.
    order_id: keep.order_id,
    client_order_id: keep.client_order_id,
    request_id: keep.request_id,
    level: values.level?.join(',') || undefined,
    event: values.event,
    logger: values.logger,
    correlation_id: values.correlation_id,
    session_id: values.session_id,
    strategy_id: values.strategy_id,
    search: values.search,
    start: values.range?.[0]?.toISOString(),
    end: values.range?.[1]?.toISOString(),
  }
}

const QUICK: [string, number][] = [
  ['Last 15 min', 15],
  ['Last hour', 60],
  ['Last 24 h', 24 * 60],
]

/** The filter bar: level, event, logger, ids, text and a date range (with quick ranges). */
export function LogFiltersForm({ filters, onChange }: { filters: LogFilters; onChange: (f: LogFilters) => void }) {
  const [form] = Form.useForm<Values>()
  useEffect(() => form.setFieldsValue({ ...toValues(filters) }), [filters, form])
  return (
    <Form<Values> form={form} layout="inline" onFinish={(v) => onChange(toFilters(v, filters))} style={{ rowGap: 8 }}>
      <Form.Item label="Level" name="level">
        <Select mode="multiple" allowClear style={{ minWidth: 160 }} options={LEVELS.map((l) => ({ value: l }))} />
      </Form.Item>
      <Form.Item label="Event" name="event">
        <Input allowClear style={{ width: 170 }} />
      </Form.Item>
      <Form.Item label="Logger" name="logger">
        <Input allowClear style={{ width: 190 }} />
      </Form.Item>
      <Form.Item label="Correlation id" name="correlation_id">
        <Input allowClear style={{ width: 170 }} />
      </Form.Item>
      <Form.Item label="Session id" name="session_id">
        <Input allowClear style={{ width: 110 }} />
      </Form.Item>
      <Form.Item label="Strategy id" name="strategy_id">
        <Input allowClear style={{ width: 130 }} />
      </Form.Item>
      <Form.Item label="Text" name="search" tooltip="Whole words that must all appear in the message">
        <Input allowClear style={{ width: 180 }} />
      </Form.Item>
      <Form.Item label="Time range" name="range">
        <DatePicker.RangePicker
          showTime
          allowEmpty={[true, true]}
          presets={QUICK.map(([label, minutes]) => ({
            label,
            value: () => [dayjs().subtract(minutes, 'minute'), dayjs()] as [Dayjs, Dayjs],
          }))}
        />
      </Form.Item>
      <Space>
        <Button type="primary" htmlType="submit">
          Apply filters
        </Button>
        <Button
          onClick={() => {
            form.resetFields()
            onChange({})
          }}
        >
          Reset
        </Button>
      </Space>
    </Form>
  )
}
