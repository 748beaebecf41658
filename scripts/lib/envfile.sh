# shellcheck shell=bash
# Read settings from a KEY=value file such as .env.prod WITHOUT executing it as shell code.

# env_file_value FILE KEY: print the value of KEY (last assignment wins; optional `export `;
# surrounding whitespace and one pair of matching quotes removed). Prints nothing when absent.
env_file_value() {
    local file="$1" key="$2" line value=""
    [[ -f "$file" ]] || return 0
    while IFS= read -r line || [[ -n "$line" ]]; do
        line="${line%$'\r'}"
        [[ "$line" =~ ^[[:space:]]*(export[[:space:]]+)?${key}[[:space:]]*=(.*)$ ]] || continue
        value="${BASH_REMATCH[2]}"
        value="${value#"${value%%[![:space:]]*}"}"
        value="${value%"${value##*[![:space:]]}"}"
        if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then
            value="${BASH_REMATCH[1]}"
        fi
    done <"$file"
    printf '%s' "$value"
}
