/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_API_BASE_URL?: string
  readonly VITE_ENABLE_API_DEBUG?: string
  readonly VITE_ENABLE_REMOTE_LOGS?: string
  readonly VITE_DEFAULT_TIME_ZONE?: string
  readonly VITE_APP_VERSION?: string
}

interface ImportMeta {
  readonly env: ImportMetaEnv
}
