// Print the gzipped size of every built chunk and of what each page loads, and fail when the
// login page's initial load (index.html's entry plus its static imports plus the login chunk and
// all their CSS) exceeds the budget.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { gzipSync } from 'node:zlib'

const DIST = new URL('../dist/', import.meta.url).pathname
const BUDGET_KB = Number(process.env.LOGIN_BUDGET_KB ?? 300)
const manifest = JSON.parse(readFileSync(join(DIST, '.vite/manifest.json'), 'utf8'))

const gz = new Map()
function gzipped(file) {
  if (!gz.has(file)) gz.set(file, gzipSync(readFileSync(join(DIST, file)), { level: 9 }).length)
  return gz.get(file)
}
const kb = (bytes) => `${(bytes / 1024).toFixed(1).padStart(7)} kB`

/** Collect the files a manifest entry loads eagerly (its static imports, recursively, and CSS). */
function closure(key, files = new Set()) {
  const chunk = manifest[key]
  if (!chunk || files.has(chunk.file)) return files
  files.add(chunk.file)
  for (const css of chunk.css ?? []) files.add(css)
  for (const dep of chunk.imports ?? []) closure(dep, files)
  return files
}

const sum = (files) => [...files].reduce((total, f) => total + gzipped(f), 0)

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : [path]
  })
}

const assets = walk(join(DIST, 'assets')).map((p) => relative(DIST, p)).sort((a, b) => gzipped(b) - gzipped(a))
console.log('\nGzipped size of every asset:')
for (const file of assets) console.log(`${kb(gzipped(file))}  ${file}`)

const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry)
const entry = closure(entryKey)
const pageKey = (name) => Object.keys(manifest).find((k) => k.endsWith(`/${name}.tsx`))

console.log('\nInitial load per page (entry + shell + page chunk, gzipped, shared files counted once):')
const pages = ['LoginPage', 'LiveControlPage', 'ProfilesPage', 'HistoryPage', 'AnalyticsPage', 'LogViewerPage', 'FeeCalculatorPage', 'UsersPage']
let loginTotal = 0
for (const page of pages) {
  const key = pageKey(page)
  if (!key) continue
  const files = closure(key, new Set(entry))
  // Pages behind the login also load the authenticated shell.
  if (page !== 'LoginPage' && pageKey('ProtectedArea')) closure(pageKey('ProtectedArea'), files)
  const total = sum(files)
  if (page === 'LoginPage') loginTotal = total
  console.log(`${kb(total)}  ${page}`)
}
console.log(`\nLogin page initial load: ${(loginTotal / 1024).toFixed(1)} kB gzipped (budget ${BUDGET_KB} kB)`)
if (loginTotal === 0 || loginTotal > BUDGET_KB * 1024) {
  console.error('size budget exceeded (or the login chunk was not found)')
  process.exit(1)
}
console.log('size budget OK')
