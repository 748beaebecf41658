import { readFileSync } from 'node:fs'

import type { Locator, Page } from '@playwright/test'

import { violations } from './axe'
import { expect, logIn, test } from './fixtures'

// The tests of this file share the one engine of the backend: they run in order in one worker
// (playwright.config.ts: fullyParallel is false), each leaving the engine idle for the next.

/** Press Tab until `target` has the focus (or holds it); fail if `max` presses do not get there. */
async function tabTo(page: Page, target: Locator, max = 60): Promise<void> {
  for (let presses = 0; presses < max; presses += 1) {
    if (await target.evaluate((el) => el === document.activeElement || el.contains(document.activeElement))) return
    await page.keyboard.press('Tab')
  }
  throw new Error(`Tab did not reach ${target.toString()} in ${max} presses`)
}

/** A schedule whose entry window is about 12 hours away, so arming it never enters during the test. */
function farSchedule(now = new Date()): Record<string, unknown> {
  const hour = String((now.getUTCHours() + 12) % 24).padStart(2, '0')
  return { timezone: 'UTC', entry_time: `${hour}:00:00`, latest_entry_time: `${hour}:10:00`, exit_time: `${hour}:20:00` }
}

test('a trader arms and stops a profile with the keyboard alone, each step confirmed', async ({ page }) => {
  await logIn(page, 'trader')
  const name = `Keys ${Date.now()}`
  const token = await page.evaluate(() => (JSON.parse(sessionStorage.getItem('ds.session') ?? '{}') as { token?: string }).token)
  const created = await page.request.post('/api/configs', {
    headers: { Authorization: `Bearer ${token}` },
    data: { name, schedule: farSchedule() },
  })
  expect(created.status(), await created.text()).toBe(201)

  await page.goto('/live')
  await expect(page.getByTestId('engine-status')).toHaveText('idle')
  // Pick the profile: focus the select, type to narrow, Enter to choose.
  const picker = page.getByRole('combobox', { name: 'profile to start' })
  await tabTo(page, picker)
  await page.keyboard.type(name)
  await expect(page.locator('.ant-select-item-option-active')).toContainText(name)
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('control-panel')).toContainText(name)

  await tabTo(page, page.getByRole('button', { name: 'Start', exact: true }))
  await page.keyboard.press('Enter')
  const dialog = page.getByRole('dialog', { name: 'Start?' })
  await expect(dialog.getByTestId('confirm-consequence')).toContainText('Arms the profile')
  // The dialog holds the focus: Tab moves through its buttons, never back to the page behind it.
  await tabTo(page, dialog.getByRole('button', { name: 'Yes, start' }), 6)
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('engine-status')).toHaveText('waiting', { timeout: 30_000 })
  await expect(dialog).toBeHidden()

  await tabTo(page, page.getByRole('button', { name: 'Stop', exact: true }))
  await page.keyboard.press('Enter')
  const stop = page.getByRole('dialog', { name: 'Stop?' })
  await expect(stop.getByTestId('confirm-consequence')).toContainText('No position is open. Stop disarms the profile')
  // Escape backs out without sending anything...
  await page.keyboard.press('Escape')
  await expect(stop).toBeHidden()
  await expect(page.getByTestId('engine-status')).toHaveText('waiting')
  // ...and the focus is back on Stop, so Enter opens the dialog again.
  await expect(page.getByRole('button', { name: 'Stop', exact: true })).toBeFocused()
  await page.keyboard.press('Enter')
  await tabTo(page, stop.getByRole('button', { name: 'Yes, stop' }), 6)
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('engine-status')).toHaveText('idle', { timeout: 30_000 })
})

// The main path, in sim mode: profile → start (enter now) → legs with live PnL → panic →
// History shows the session with exit reason "panic" → its logs are found by session id.
test('a trader runs a strangle in sim from start to panic and finds it in History and the logs', async ({ page }) => {
  test.setTimeout(210_000)
  await logIn(page, 'trader')
  // Pages full of real data (legs, tags, KPIs) get the same axe check as a11y.spec.ts's empty ones.
  const a11y: string[] = []

  await page.getByRole('link', { name: 'Profiles' }).click()
  await page.getByRole('button', { name: 'New profile' }).click()
  const name = `Flow ${Date.now()}`
  await page.getByLabel('Name', { exact: true }).fill(name)
  // Let the last attempt cross with a market IOC so the simulated book always fills both legs.
  await page.getByRole('switch', { name: 'Market IOC fallback' }).click()
  await page.getByRole('button', { name: 'Create profile' }).click()
  await expect(page.getByRole('row', { name: new RegExp(name) })).toBeVisible()

  await page.getByRole('link', { name: 'Live Control' }).click()
  await expect(page.getByTestId('engine-status')).toBeVisible()
  await page.getByLabel('profile to start').click()
  await page.locator('.ant-select-item-option').filter({ hasText: name }).click()
  await page.getByRole('checkbox', { name: 'Enter now' }).check()
  await page.getByRole('button', { name: 'Start', exact: true }).click()
  await expect(page.getByTestId('confirm-consequence')).toContainText('Arms the profile')
  await page.getByRole('button', { name: 'Yes, start' }).click()

  await expect(page.getByTestId('engine-status')).toHaveText('live', { timeout: 90_000 })
  const pnl = page.getByTestId('leg-pnl')
  await expect(pnl).toHaveCount(2)
  await expect(pnl.first()).toHaveText(/\$/)
  await page.screenshot({ path: test.info().outputPath('live-with-legs.png'), fullPage: true })
  a11y.push(...(await violations(page, 'live control with legs')))

  await page.getByRole('button', { name: 'Panic: flatten now' }).click()
  await expect(page.getByTestId('confirm-consequence')).toContainText('2 legs are open')
  await page.getByRole('button', { name: 'Flatten now', exact: true }).click()
  await expect(page.getByTestId('exit-reason')).toHaveText('panic', { timeout: 60_000 })

  await page.getByRole('link', { name: 'History' }).click()
  const row = page.getByRole('row', { name: new RegExp(name) }).first()
  await expect(row.getByTestId('exit-reason-cell')).toHaveText('panic')
  await row.getByRole('button', { name: /details of session/ }).click()
  await expect(page.getByTestId('detail-exit-reason')).toHaveText('panic')
  a11y.push(...(await violations(page, 'history with the session drawer')))
  await page.keyboard.press('Escape')

  // Analytics: the panic session is counted and the CSV has its three sections.
  await page.getByRole('link', { name: 'Analytics' }).click()
  await page.getByLabel('mode', { exact: true }).click()
  await page.locator('.ant-select-item-option').filter({ hasText: 'SIM' }).click()
  await expect(page.getByText('Net PnL (after fees)')).toBeVisible()
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()])
  expect(download.suggestedFilename()).toMatch(/^analytics-export-\d{8}-\d{6}\.csv$/)
  const csv = readFileSync(await download.path(), 'utf8')
  expect(csv.split(/\r?\n/)[0]).toBe('section,field,value')
  expect(csv).toMatch(/^metadata,/m)
  expect(csv).toMatch(/^metrics,trade_count,1/m)
  expect(csv).toMatch(/^timeline,timestamp,session_id/m)
  await page.screenshot({ path: test.info().outputPath('analytics-after-panic.png'), fullPage: true })
  a11y.push(...(await violations(page, 'analytics with a session')))

  await page.getByRole('link', { name: 'History' }).click()
  await page.getByRole('row', { name: new RegExp(name) }).first().getByRole('button', { name: /details of session/ }).click()
  await page.getByRole('link', { name: "Open this session's logs" }).click()
  await expect(page).toHaveURL(/\/logs\?session_id=\d+/)
  await expect(page.getByRole('button', { name: /filter by session id/ }).first()).toBeVisible({ timeout: 30_000 })
  expect(a11y, a11y.join('\n')).toEqual([])
})

test('a viewer sees the live page without any control button', async ({ page }) => {
  await logIn(page, 'viewer')
  await expect(page.getByTestId('engine-status')).toBeVisible()
  await expect(page.getByText('starting and stopping needs the trader role')).toBeVisible()
  for (const name of ['Start', 'Stop', 'Restart', 'Panic: flatten now']) {
    await expect(page.getByRole('button', { name, exact: true })).toHaveCount(0)
  }
  // And the API refuses the viewer's token too, with the plain reason.
  const token = await page.evaluate(() => (JSON.parse(sessionStorage.getItem('ds.session') ?? '{}') as { token?: string }).token)
  const response = await page.request.post('/api/trading/control', {
    headers: { Authorization: `Bearer ${token}` },
    data: { action: 'start', configuration_id: 1, enter_now: true },
  })
  expect(response.status()).toBe(403)
  expect(((await response.json()) as { detail: string }).detail).toContain('trader role')
})
