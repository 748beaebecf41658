import { Space, Typography } from 'antd'

import { Pending } from '@/components/Pending'

/** Estimate Delta option fees. */
export function FeeCalculatorPage() {
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        Fee calculator
      </Typography.Title>
      <Pending what="Fee calculator" endpoints={['/api/trading/fees/quote']} />
    </Space>
  )
}
