/**
 * Automated accessibility checks (axe-core) of the login page and every page after login, in both
 * themes: WCAG 2.1 A/AA rules, colour contrast included. A violation fails the test with the rule,
 * the element and axe's explanation, so the fix can start from the report.
 */
import type { Page } from '@playwright/test'

import { violations } from './axe'
import { expect, logIn, test } from './fixtures'
import { PAGES } from './pages'
import { USERS } from './users'

// States a fresh database lacks but operators see, so their colours are checked too: a profile (its
// row carries the red Delete button) and a warning and an error in the last hour (the Log Viewer's
// summary writes them in amber and red).
test.beforeAll(async ({ playwright }) => {
  const api = await playwright.request.newContext({ baseURL: process.env.E2E_BASE_URL })
  const login = await api.post('/api/auth/login', { form: { username: USERS.admin.email, password: USERS.admin.password } })
  expect(login.ok(), await login.text()).toBe(true)
  const headers = { Authorization: `Bearer ${((await login.json()) as { access_token: string }).access_token}` }
  const profile = await api.post('/api/configs', { headers, data: { name: `A11y ${Date.now()}` } })
  expect(profile.status(), await profile.text()).toBe(201)
  const logs = [
    { level: 'warning', event: 'a11y_check', message: 'a warning for the accessibility check' },
    { level: 'error', event: 'a11y_check', message: 'an error for the accessibility check' },
  ]
  expect((await api.post('/api/logs/batch', { headers, data: { logs } })).status()).toBe(202)
  await expect
    .poll(async () => {
      const summary = (await (await api.get('/api/logs/backend/summary', { headers })).json()) as Record<string, unknown>
      return Boolean(summary.latest_warning && summary.latest_error)
    }, { timeout: 30_000 })
    .toBe(true)
  await api.dispose()
})

/** Open the dashboard in a theme, with motion reduced (transitions caught half-way show colours never seen at rest). */
async function useTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.addInitScript((t) => localStorage.setItem('ds.theme', t), theme)
  await page.emulateMedia({ reducedMotion: 'reduce' })
}

// Each test gets its own budget: axe's contrast rule walks every element, slow on 2 shared cores.
for (const theme of ['light', 'dark'] as const) {
  test(`the login page and every page pass axe's WCAG 2.1 AA checks in the ${theme} theme`, async ({ page }) => {
    test.setTimeout(180_000)
    await useTheme(page, theme)
    const found: string[] = []

    await page.goto('/login')
    await expect(page.getByRole('button', { name: 'Log in' })).toBeVisible()
    found.push(...(await violations(page, 'login')))

    await logIn(page, 'admin')
    for (const [label, name] of PAGES) {
      await page.getByRole('link', { name: label }).click()
      await expect(page).toHaveURL(new RegExp(`/${name}$`))
      await expect(page.getByRole('heading', { level: 2 })).toBeVisible()
      await page.waitForLoadState('networkidle')
      if (name === 'logs') await expect(page.getByText(/^Latest warning/)).toBeVisible()
      found.push(...(await violations(page, name)))
    }
    expect(found, found.join('\n')).toEqual([])
  })

  test(`dialogs, forms and expanded rows pass axe's WCAG 2.1 AA checks in the ${theme} theme`, async ({ page }) => {
    test.setTimeout(180_000)
    await useTheme(page, theme)
    const found: string[] = []
    await logIn(page, 'admin')

    await expect(page.getByTestId('engine-status')).toBeVisible()
    await page.getByRole('button', { name: 'Restart' }).click()
    await expect(page.getByTestId('confirm-consequence')).toBeVisible()
    found.push(...(await violations(page, 'restart confirmation')))
    await page.keyboard.press('Escape')
    await expect(page.getByRole('dialog')).toBeHidden()

    await page.getByTestId('user-menu').click()
    await page.getByRole('menuitem', { name: 'Change password' }).click()
    await expect(page.getByRole('dialog', { name: 'Change password' })).toBeVisible()
    found.push(...(await violations(page, 'change password dialog')))
    await page.keyboard.press('Escape')
    await expect(page.getByRole('dialog')).toBeHidden()

    await page.getByRole('link', { name: 'Log Viewer' }).click()
    await page.getByRole('button', { name: 'Expand row' }).first().click()
    await expect(page.getByTestId('log-payload')).toBeVisible()
    found.push(...(await violations(page, 'expanded log row')))

    await page.getByRole('link', { name: 'Profiles' }).click()
    await page.getByRole('button', { name: 'New profile' }).click()
    await expect(page.getByRole('button', { name: 'Create profile' })).toBeVisible()
    found.push(...(await violations(page, 'profile form')))

    await page.getByRole('link', { name: 'Fee calculator' }).click()
    await page.getByRole('button', { name: 'Calculate fee' }).click()
    await expect(page.getByTestId('fee-result')).toBeVisible()
    found.push(...(await violations(page, 'fee result')))

    expect(found, found.join('\n')).toEqual([])
  })
}
