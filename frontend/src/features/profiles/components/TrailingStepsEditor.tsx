import { DeleteOutlined, PlusOutlined } from '@ant-design/icons'
import { Button, Form, InputNumber, Table, Typography } from 'antd'

interface Step {
  trigger_profit_pct: string | null
  lock_profit_pct: string | null
}

/** Edit the trailing step table: "once peak profit ≥ trigger %, lock lock %"; triggers and locks only rise. */
export function TrailingStepsEditor({ disabled }: { disabled: boolean }) {
  const form = Form.useFormInstance()
  return (
    <Form.List name={['exits', 'trailing_steps']}>
      {(fields, { add, remove }, { errors }) => (
        <>
          <Table
            size="small"
            pagination={false}
            rowKey="key"
            dataSource={fields}
            locale={{ emptyText: 'No trailing steps: the profit floor never moves.' }}
            columns={[
              {
                title: 'Once peak profit reaches',
                render: (_v, field) => (
                  <Form.Item name={[field.name, 'trigger_profit_pct']} style={{ margin: 0 }} rules={[{ required: true, message: 'Required.' }]}>
                    <InputNumber<string> stringMode min="0" max="100" step={5} suffix="%" aria-label={`step ${field.name + 1} trigger percent`} />
                  </Form.Item>
                ),
              },
              {
                title: 'Lock at least',
                render: (_v, field) => (
                  <Form.Item name={[field.name, 'lock_profit_pct']} style={{ margin: 0 }} rules={[{ required: true, message: 'Required.' }]}>
                    <InputNumber<string> stringMode min="0" max="100" step={5} suffix="%" aria-label={`step ${field.name + 1} lock percent`} />
                  </Form.Item>
                ),
              },
              {
                title: 'Reads as',
                render: (_v, field) => (
                  <Form.Item noStyle shouldUpdate>
                    {() => {
                      const step = form.getFieldValue(['exits', 'trailing_steps', field.name]) as Step | undefined
                      return (
                        <Typography.Text type="secondary">
                          {step?.trigger_profit_pct ?? '?'}% → keep ≥ {step?.lock_profit_pct ?? '?'}%
                        </Typography.Text>
                      )
                    }}
                  </Form.Item>
                ),
              },
              {
                title: '',
                width: 48,
                render: (_v, field) => (
                  <Button
                    type="text"
                    icon={<DeleteOutlined />}
                    aria-label={`remove step ${field.name + 1}`}
                    disabled={disabled}
                    onClick={() => remove(field.name)}
                  />
                ),
              },
            ]}
          />
          <Form.ErrorList errors={errors} />
          <Button
            icon={<PlusOutlined />}
            style={{ marginTop: 8 }}
            disabled={disabled}
            onClick={() => {
              const steps = (form.getFieldValue(['exits', 'trailing_steps']) ?? []) as Step[]
              const last = steps[steps.length - 1]
              const trigger = Math.min(Number(last?.trigger_profit_pct ?? 10) + 10, 100)
              const lock = Math.min(Number(last?.lock_profit_pct ?? 0) + 10, trigger - 1)
              add({ trigger_profit_pct: String(trigger), lock_profit_pct: String(Math.max(lock, 0)) })
            }}
          >
            Add step
          </Button>
        </>
      )}
    </Form.List>
  )
}
