import {
  Alert,
  Button,
  Card,
  Checkbox,
  Col,
  DatePicker,
  Form,
  Input,
  InputNumber,
  type InputNumberProps,
  Radio,
  Row,
  Select,
  Space,
  Switch,
  TimePicker,
  Typography,
} from 'antd'
import dayjs from 'dayjs'
import { useEffect, useState } from 'react'

import { placeServerErrors } from '@/lib/forms'

import { useSaveProfile } from '../api/saveProfile'
import type { Profile } from '../api/types'
import { DecimalField, IntegerField } from './fields'
import { configFromValues, newProfileValues, valuesFromConfig, WEEKDAYS, type ProfileFormValues } from './profileForm'
import { TrailingStepsEditor } from './TrailingStepsEditor'

const FIELDS = new Set(['name', 'underlying', 'notes', 'contracts_per_leg', 'schedule', 'expiry', 'strikes', 'guardrails', 'exits', 'execution', 'entry_limits'])
const BAND_LABELS = {
  call_premium_min_usd: 'Call premium from',
  call_premium_max_usd: 'Call premium to',
  put_premium_min_usd: 'Put premium from',
  put_premium_max_usd: 'Put premium to',
} as const
const GUARD_LABELS = {
  call_premium_min_usd: 'Call premium at least',
  call_premium_max_usd: 'Call premium at most',
  put_premium_min_usd: 'Put premium at least',
  put_premium_max_usd: 'Put premium at most',
  min_bid_usd: 'Bid at least',
} as const
const ZONES = ['Asia/Kolkata', 'UTC', 'Asia/Singapore', 'Asia/Dubai', 'Europe/London', 'America/New_York']

/** Create or edit a profile: every StrategyConfig field, with units; server errors land on their fields. */
export function ProfileForm({
  profile,
  canEdit,
  onSaved,
}: {
  profile: Profile | null
  canEdit: boolean
  onSaved: (saved: Profile) => void
}) {
  const [form] = Form.useForm<ProfileFormValues>()
  const save = useSaveProfile()
  const [problems, setProblems] = useState<string[]>([])
  const mode = Form.useWatch(['strikes', 'mode'], form)
  const rule = Form.useWatch(['expiry', 'rule'], form)

  useEffect(() => {
    form.resetFields()
    form.setFieldsValue(profile ? valuesFromConfig(profile.config) : newProfileValues())
  }, [profile, form])

  const onFinish = (values: ProfileFormValues) => {
    setProblems([])
    save.mutate(
      { id: profile?.id ?? null, config: configFromValues(values) },
      { onSuccess: onSaved, onError: (error) => setProblems(placeServerErrors(form, error, FIELDS)) },
    )
  }

  return (
    <Form<ProfileFormValues>
      form={form}
      layout="vertical"
      onFinish={onFinish}
      disabled={!canEdit}
      initialValues={newProfileValues()}
      scrollToFirstError
      aria-label="profile form"
    >
      {problems.length > 0 && (
        <Alert role="alert" type="error" showIcon title="Profile not saved" description={problems.join(' ')} style={{ marginBottom: 16 }} />
      )}
      <Card size="small" title="Identity and size">
        <Row gutter={16}>
          <Col xs={24} md={10}>
            <Form.Item label="Name" name="name" rules={[{ required: true, whitespace: true, message: 'Give the profile a name.' }]}>
              <Input maxLength={64} />
            </Form.Item>
          </Col>
          <Col xs={12} md={4}>
            <Form.Item label="Underlying" name="underlying">
              <Select options={[{ value: 'BTC' }, { value: 'ETH' }]} />
            </Form.Item>
          </Col>
          <Col xs={12} md={5}>
            <IntegerField label="Contracts per leg" name={['contracts_per_leg']} unit="contracts" min={1} max={10000} />
          </Col>
        </Row>
        <Form.Item label="Notes" name="notes">
          <Input.TextArea rows={2} maxLength={2000} />
        </Form.Item>
      </Card>

      <Card size="small" title="Schedule" style={{ marginTop: 16 }}>
        <Row gutter={16}>
          <Col xs={24} md={6}>
            <Form.Item label="Time zone" name={['schedule', 'timezone']}>
              <Select showSearch options={ZONES.map((z) => ({ value: z }))} />
            </Form.Item>
          </Col>
          <Col xs={8} md={4}>
            <Form.Item label="Entry time" name={['schedule', 'entry_time']} rules={[{ required: true, message: 'Required.' }]}>
              <TimePicker format="HH:mm" minuteStep={1} needConfirm={false} />
            </Form.Item>
          </Col>
          <Col xs={8} md={5}>
            <Form.Item
              label="Latest entry time"
              name={['schedule', 'latest_entry_time']}
              tooltip="No entry after this time (e.g. after a restart)"
              rules={[{ required: true, message: 'Required.' }]}
            >
              <TimePicker format="HH:mm" needConfirm={false} />
            </Form.Item>
          </Col>
          <Col xs={8} md={4}>
            <Form.Item label="Exit time" name={['schedule', 'exit_time']} rules={[{ required: true, message: 'Required.' }]}>
              <TimePicker format="HH:mm" needConfirm={false} />
            </Form.Item>
          </Col>
          <Col xs={24} md={5}>
            <Form.Item label="Repeat daily until stopped" name={['schedule', 'repeat_daily']} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item label="Trading weekdays" name={['schedule', 'trading_weekdays']}>
          <Checkbox.Group options={WEEKDAYS.map((d) => ({ value: d, label: d[0]?.toUpperCase() + d.slice(1) }))} />
        </Form.Item>
      </Card>

      <Card size="small" title="Expiry" style={{ marginTop: 16 }}>
        <Form.Item name={['expiry', 'rule']} label="Which expiry">
          <Radio.Group
            options={[
              { value: 'nearest', label: 'Nearest that settles long enough after the exit' },
              { value: 'explicit', label: 'A named date' },
            ]}
          />
        </Form.Item>
        {rule === 'explicit' ? (
          <Form.Item
            label="Expiry date (settles 12:00 UTC, 17:30 IST)"
            name={['expiry', 'expiry_date']}
            rules={[{ required: true, message: 'Pick the expiry date.' }]}
          >
            <DatePicker disabledDate={(d) => d.isBefore(dayjs().startOf('day'))} />
          </Form.Item>
        ) : (
          <IntegerField label="Settles at least this long after the planned exit" name={['expiry', 'min_minutes_after_exit']} unit="minutes" min={0} />
        )}
      </Card>

      <Card size="small" title="Strike selection" style={{ marginTop: 16 }}>
        <Form.Item name={['strikes', 'mode']} label="Mode">
          <Radio.Group
            optionType="button"
            options={[
              { value: 'delta', label: 'Delta band' },
              { value: 'premium', label: 'Premium band' },
              { value: 'distance', label: 'Distance from spot' },
            ]}
          />
        </Form.Item>
        {mode === 'delta' && (
          <Row gutter={16}>
            <Col xs={8}>
              <Form.Item label="|Delta| low" name={['strikes', 'delta_low']} rules={[{ required: true, message: 'Required.' }]}>
                <InputNumberDelta />
              </Form.Item>
            </Col>
            <Col xs={8}>
              <Form.Item label="|Delta| high" name={['strikes', 'delta_high']} rules={[{ required: true, message: 'Required.' }]}>
                <InputNumberDelta />
              </Form.Item>
            </Col>
            <Col xs={8}>
              <Form.Item label="Target |delta|" name={['strikes', 'delta_target']} extra="Empty: the band's midpoint.">
                <InputNumberDelta />
              </Form.Item>
            </Col>
          </Row>
        )}
        {mode === 'premium' && (
          <>
            <Typography.Paragraph type="secondary">No contract inside the band means no trade: never the nearest one outside it.</Typography.Paragraph>
            <Row gutter={16}>
              {(['call_premium_min_usd', 'call_premium_max_usd', 'put_premium_min_usd', 'put_premium_max_usd'] as const).map((f) => (
                <Col xs={12} md={6} key={f}>
                  <DecimalField label={BAND_LABELS[f]} name={['strikes', f]} unit="USD" min={0} required />
                </Col>
              ))}
            </Row>
          </>
        )}
        {mode === 'distance' && (
          <Row gutter={16}>
            <Col xs={12}>
              <DecimalField label="Call strike above spot" name={['strikes', 'call_distance_pct']} unit="%" min={0} max={100} step={0.5} required />
            </Col>
            <Col xs={12}>
              <DecimalField label="Put strike below spot" name={['strikes', 'put_distance_pct']} unit="%" min={0} max={100} step={0.5} required />
            </Col>
          </Row>
        )}
        <Typography.Text strong>Guardrails (every mode; empty = off)</Typography.Text>
        <Row gutter={16} style={{ marginTop: 8 }}>
          {(['call_premium_min_usd', 'call_premium_max_usd', 'put_premium_min_usd', 'put_premium_max_usd', 'min_bid_usd'] as const).map((f) => (
            <Col xs={12} md={4} key={f}>
              <DecimalField label={GUARD_LABELS[f]} name={['guardrails', f]} unit="USD" min={0} />
            </Col>
          ))}
          <Col xs={12} md={4}>
            <DecimalField label="Spread at most" name={['guardrails', 'max_spread_pct']} unit="%" min={0} />
          </Col>
        </Row>
      </Card>

      <Card size="small" title="Exits (percent of premium collected, net of fees)" style={{ marginTop: 16 }}>
        <Row gutter={16}>
          <Col xs={12} md={6}>
            <DecimalField label="Max loss" name={['exits', 'max_loss_pct']} unit="%" min={0} help="Empty: no max-loss exit." />
          </Col>
          <Col xs={12} md={6}>
            <DecimalField label="Max profit" name={['exits', 'max_profit_pct']} unit="%" min={0} max={100} help="Empty: no take-profit." />
          </Col>
          <Col xs={12} md={6}>
            <IntegerField label="Expiry guard" name={['exits', 'expiry_guard_minutes']} unit="min before settlement" min={1} max={1440} />
          </Col>
          <Col xs={12} md={6}>
            <IntegerField label="Quote is stale after" name={['exits', 'stale_quote_seconds']} unit="s" min={1} max={600} />
          </Col>
        </Row>
        <Typography.Text strong>Trailing step table</Typography.Text>
        <TrailingStepsEditor disabled={!canEdit} />
        <Row gutter={16} style={{ marginTop: 16 }}>
          <Col xs={12} md={6}>
            <DecimalField label="Give-back trail activates at" name={['exits', 'giveback_activate_pct']} unit="%" min={0} max={100} />
          </Col>
          <Col xs={12} md={6}>
            <DecimalField label="Exit after giving back" name={['exits', 'giveback_points_pct']} unit="points" min={0} max={200} />
          </Col>
          <Col xs={12} md={6}>
            <DecimalField label="Per-leg stop at mark ≥" name={['exits', 'leg_stop_pct']} unit="% of entry" min={100} help="e.g. 200 = the leg doubled" />
          </Col>
          <Col xs={12} md={6}>
            <Form.Item label="After a leg stop, the other leg" name={['exits', 'leg_stop_survivor']}>
              <Select
                options={[
                  { value: 'keep_rules', label: 'keeps its rules' },
                  { value: 'break_even', label: 'moves its stop to break-even' },
                ]}
              />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <DecimalField label="Daily loss cap (all sessions)" name={['exits', 'daily_loss_cap_usd']} unit="USD" min={0} />
          </Col>
        </Row>
      </Card>

      <Card size="small" title="Execution" style={{ marginTop: 16 }}>
        <Row gutter={16}>
          <Col xs={12} md={5}>
            <IntegerField label="Limit attempts" name={['execution', 'limit_attempts']} min={1} max={20} help="Mid, stepping toward crossing the spread" />
          </Col>
          <Col xs={12} md={5}>
            <IntegerField label="Per attempt" name={['execution', 'attempt_seconds']} unit="s" min={1} max={300} />
          </Col>
          <Col xs={12} md={5}>
            <DecimalField label="Max slippage from mid" name={['execution', 'max_slippage_pct']} unit="%" min={0} max={100} required />
          </Col>
          <Col xs={12} md={5}>
            <IntegerField label="Legging timeout" name={['execution', 'legging_timeout_seconds']} unit="s" min={1} max={3600} />
          </Col>
          <Col xs={12} md={4}>
            <Form.Item label="Market IOC fallback" name={['execution', 'market_fallback']} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Col>
        </Row>
      </Card>

      <Card size="small" title="Entry limits (checked before any order is placed)" style={{ marginTop: 16 }}>
        <Row gutter={16}>
          <Col xs={12} md={6}>
            <DecimalField
              label="Max notional (both legs)"
              name={['entry_limits', 'max_notional_usd']}
              unit="USD"
              min={0}
              help="contracts × contract value × spot, both legs. Empty: no cap."
            />
          </Col>
          <Col xs={12} md={4}>
            <Form.Item
              label="Check margin against the wallet"
              name={['entry_limits', 'check_margin']}
              valuePropName="checked"
              tooltip="The exchange's own margin refusal still applies when this is off"
            >
              <Switch />
            </Form.Item>
          </Col>
          <Col xs={12} md={5}>
            <DecimalField
              label="Margin estimate per contract"
              name={['entry_limits', 'margin_pct_of_index']}
              unit="% of index"
              min={0}
              max={100}
              required
              help="plus the premium, each leg"
            />
          </Col>
          <Col xs={12} md={4}>
            <DecimalField label="Margin buffer" name={['entry_limits', 'margin_buffer_pct']} unit="%" min={0} max={1000} required />
          </Col>
          <Col xs={12} md={5}>
            <IntegerField
              label="Stop after failed entries in a row"
              name={['entry_limits', 'max_consecutive_failed_entries']}
              unit="entries"
              min={1}
              max={100}
              optional
              help="Not armed again until you start it. Empty: never stop."
            />
          </Col>
        </Row>
      </Card>

      {canEdit && (
        <Space style={{ marginTop: 16 }}>
          <Button type="primary" htmlType="submit" loading={save.isPending}>
            {profile ? `Save as version ${profile.version + 1}` : 'Create profile'}
          </Button>
          <Button onClick={() => form.setFieldsValue(profile ? valuesFromConfig(profile.config) : newProfileValues())}>Reset</Button>
        </Space>
      )}
    </Form>
  )
}

/** A |delta| input (0.01–0.99); Form.Item passes value and onChange. */
function InputNumberDelta(props: InputNumberProps<number>) {
  return <InputNumber<number> min={0.01} max={0.99} step={0.01} style={{ width: '100%' }} {...props} />
}
