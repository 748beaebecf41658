/**
 * Automated accessibility checks (axe-core) of the login page and every page after login, in both
 * themes: WCAG 2.1 A/AA rules, colour contrast included. A violation fails the test with the rule,
 * the element and axe's explanation, so the fix can start from the report.
 */
import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'

import { expect, logIn, test } from './fixtures'

const PAGES = [
  ['Live Control', 'live'],
  ['Profiles', 'profiles'],
  ['History', 'history'],
  ['Analytics', 'analytics'],
  ['Log Viewer', 'logs'],
  ['Fee calculator', 'fees'],
  ['Users', 'users'],
] as const

/**
 * Run axe over the page as it is now; return one readable line per rule and failure (the same
 * failure on many rows of a table is one line, with a count and the first element).
 */
async function violations(page: Page, where: string): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    // ECharts draws on a <canvas>: axe cannot read its pixels, and the chart's wrapper carries
    // role="img" with a label that says what it shows. Everything around the chart is checked.
    .exclude('canvas')
    .analyze()
  const lines = new Map<string, { target: string; count: number }>()
  for (const v of results.violations) {
    for (const n of v.nodes) {
      const key = `${where}: [${v.id}] ${n.failureSummary?.replace(/\s+/g, ' ') ?? v.help}`
      const seen = lines.get(key)
      if (seen) seen.count += 1
      else lines.set(key, { target: n.target.join(' '), count: 1 })
    }
  }
  return [...lines].map(([key, { target, count }]) => `${key} ×${count} (first: ${target})`)
}

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
