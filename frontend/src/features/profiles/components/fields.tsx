import { Form, InputNumber } from 'antd'
import type { ReactNode } from 'react'

type Name = (string | number)[]

/** A decimal input kept as a string (no float rounding), with its unit shown after it. */
export function DecimalField({
  label,
  name,
  unit,
  required = false,
  min,
  max,
  step = 1,
  help,
}: {
  label: ReactNode
  name: Name
  unit: string
  required?: boolean
  min?: number
  max?: number
  step?: number
  help?: ReactNode
}) {
  return (
    <Form.Item label={label} name={name} extra={help} rules={required ? [{ required: true, message: 'Required.' }] : []}>
      <InputNumber<string> stringMode min={min !== undefined ? String(min) : undefined} max={max !== undefined ? String(max) : undefined} step={step} style={{ width: '100%' }} suffix={unit} />
    </Form.Item>
  )
}

/** A whole-number input with its unit (required unless `optional`: then empty means off). */
export function IntegerField({
  label,
  name,
  unit,
  min,
  max,
  help,
  optional = false,
}: {
  label: ReactNode
  name: Name
  unit?: string
  min: number
  max?: number
  help?: ReactNode
  optional?: boolean
}) {
  return (
    <Form.Item label={label} name={name} extra={help} rules={optional ? [] : [{ required: true, message: 'Required.' }]}>
      <InputNumber min={min} max={max} precision={0} style={{ width: '100%' }} suffix={unit} />
    </Form.Item>
  )
}
