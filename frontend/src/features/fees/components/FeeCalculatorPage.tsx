import { Alert, Button, Card, Descriptions, Form, InputNumber, Select, Space, Switch, Tag, Typography } from 'antd'
import { useState } from 'react'

import { ApiErrorAlert } from '@/components/ApiErrorAlert'
import { useDisplayZone } from '@/lib/displayZone'
import { formatDateTime, formatMoney, formatPercent } from '@/lib/format'
import { placeServerErrors } from '@/lib/forms'

import { useQuoteFee, type FeeQuoteRequest } from '../api/quoteFee'

interface Values {
  underlying: 'BTC' | 'ETH'
  index_price: number
  option_price: number
  contracts: number
  apply_gst: boolean
}

const FIELDS = new Set(['underlying', 'index_price', 'option_price', 'contracts', 'apply_gst'])

/** Estimate Delta's option fee with the backend's dated fee schedule. */
export function FeeCalculatorPage() {
  const [form] = Form.useForm<Values>()
  const quote = useQuoteFee()
  const zone = useDisplayZone()
  const [problems, setProblems] = useState<string[]>([])
  const result = quote.data

  const onFinish = (values: Values) => {
    const body: FeeQuoteRequest = {
      underlying: values.underlying,
      index_price: String(values.index_price),
      option_price: String(values.option_price),
      contracts: values.contracts,
      apply_gst: values.apply_gst,
    }
    setProblems([])
    quote.mutate(body, { onError: (error) => setProblems(placeServerErrors(form, error, FIELDS)) })
  }

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        Fee calculator
      </Typography.Title>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        Delta charges the smaller of a rate on the underlying notional and a cap on the premium, plus GST. The
        contract value comes from the product (BTC 0.001, ETH 0.01), never from this form.
      </Typography.Paragraph>
      <Space align="start" wrap size="large">
        <Card title="One fill" style={{ width: 360 }}>
          <Form<Values>
            form={form}
            layout="vertical"
            onFinish={onFinish}
            initialValues={{ underlying: 'BTC', index_price: 95000, option_price: 150, contracts: 10, apply_gst: true }}
          >
            <Form.Item label="Underlying" name="underlying">
              <Select options={[{ value: 'BTC' }, { value: 'ETH' }]} />
            </Form.Item>
            <Form.Item label="Index price (USD)" name="index_price" rules={[{ required: true, message: 'Enter the index price.' }]}>
              <InputNumber min={0} step={100} style={{ width: '100%' }} addonAfter="USD" />
            </Form.Item>
            <Form.Item
              label="Option price (USD per unit of underlying)"
              name="option_price"
              rules={[{ required: true, message: 'Enter the option price.' }]}
            >
              <InputNumber min={0} step={1} style={{ width: '100%' }} addonAfter="USD" />
            </Form.Item>
            <Form.Item label="Contracts" name="contracts" rules={[{ required: true, message: 'Enter the contracts.' }]}>
              <InputNumber min={1} step={1} precision={0} style={{ width: '100%' }} />
            </Form.Item>
            <Form.Item label="Add GST" name="apply_gst" valuePropName="checked">
              <Switch />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={quote.isPending}>
              Calculate fee
            </Button>
          </Form>
        </Card>
        <Card title="Fee" style={{ minWidth: 360 }} data-testid="fee-result">
          {problems.length > 0 && <Alert type="error" showIcon role="alert" title={problems.join(' ')} />}
          {quote.error && problems.length === 0 && <ApiErrorAlert error={quote.error} />}
          {!result && !quote.error && <Typography.Text type="secondary">Fill in the form and calculate.</Typography.Text>}
          {result && (
            <Descriptions column={1} size="small" bordered>
              <Descriptions.Item label="Total to pay">
                <Typography.Text strong>{formatMoney(result.total_usd, { digits: 4 })}</Typography.Text>
              </Descriptions.Item>
              <Descriptions.Item label="Fee before GST">{formatMoney(result.fee_usd, { digits: 4 })}</Descriptions.Item>
              <Descriptions.Item label="GST">{formatMoney(result.gst_usd, { digits: 4 })}</Descriptions.Item>
              <Descriptions.Item label="Which rule applied">
                {result.cap_applied ? <Tag color="gold">premium cap</Tag> : <Tag>notional rate</Tag>}
              </Descriptions.Item>
              <Descriptions.Item label="Notional fee">{formatMoney(result.notional_fee_usd, { digits: 4 })}</Descriptions.Item>
              <Descriptions.Item label="Premium cap">{formatMoney(result.premium_cap_usd, { digits: 4 })}</Descriptions.Item>
              <Descriptions.Item label="Notional">{formatMoney(result.notional_usd)}</Descriptions.Item>
              <Descriptions.Item label="Premium value">{formatMoney(result.premium_value_usd)}</Descriptions.Item>
              <Descriptions.Item label="Contract value">{result.contract_value}</Descriptions.Item>
              <Descriptions.Item label="Schedule">
                {result.schedule.label}: rate {formatPercent(result.schedule.rate_pct, { digits: 3 })}, cap{' '}
                {formatPercent(result.schedule.cap_pct)}, GST {formatPercent(result.schedule.gst_pct, { digits: 0 })} (from{' '}
                {formatDateTime(result.schedule.effective_from, zone)})
              </Descriptions.Item>
            </Descriptions>
          )}
        </Card>
      </Space>
    </Space>
  )
}
