#!/usr/bin/env bash
# Installs what the browser tests (crates/testkit/src/browser.rs) need:
#   - Debian's chromium + chromium-driver (headless Chromium driven over WebDriver);
#   - axe-core from npm, injected into every page the UI tests visit;
# and what the carton label tests (crates/web/tests/labels.rs) need to prove the printed barcode scans:
#   - poppler-utils (pdftoppm) and librsvg2-bin (rsvg-convert) to rasterise the PDF and SVG labels;
#   - zbar-tools (zbarimg) to decode the GS1-128 barcode from those images.
# Idempotent: safe to run on every CI run and by hand; it only installs what is missing.
# Runs as root (apt-get). Machines are not kept between sessions, so CI must call this.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
js_dir="$repo_root/crates/testkit/js"

if [[ ! -x /usr/bin/chromedriver || ! -x /usr/bin/chromium ]]; then
    echo "install-test-deps: installing chromium + chromium-driver (apt)"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
else
    echo "install-test-deps: chromium and chromedriver already installed"
fi

# Each label tool is checked by its binary, so only the missing packages are installed.
label_packages=()
[[ -x /usr/bin/pdftoppm ]] || label_packages+=(poppler-utils)
[[ -x /usr/bin/rsvg-convert ]] || label_packages+=(librsvg2-bin)
[[ -x /usr/bin/zbarimg ]] || label_packages+=(zbar-tools)
if ((${#label_packages[@]})); then
    echo "install-test-deps: installing ${label_packages[*]} (apt)"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${label_packages[@]}"
else
    echo "install-test-deps: pdftoppm, rsvg-convert and zbarimg already installed"
fi

# The pinned version lives in package.json (and package-lock.json); reinstall when the
# installed tree is missing or differs, so a version bump takes effect without a manual clean.
wanted="$(sed -n 's/.*"axe-core": *"\([^"]*\)".*/\1/p' "$js_dir/package.json" | head -n1)"
installed=""
if [[ -f "$js_dir/node_modules/axe-core/package.json" ]]; then
    installed="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$js_dir/node_modules/axe-core/package.json" | head -n1)"
fi
if [[ -f "$js_dir/node_modules/axe-core/axe.min.js" && -n "$wanted" && "$installed" == "$wanted" ]]; then
    echo "install-test-deps: axe-core $installed already installed"
else
    if ! command -v npm >/dev/null 2>&1; then
        echo "install-test-deps: npm missing, installing it (apt)"
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y npm
    fi
    if [[ -f "$js_dir/package-lock.json" ]]; then
        # ci: exact versions from the lockfile, and a clean node_modules.
        npm ci --prefix "$js_dir" --no-audit --no-fund
    else
        npm install --prefix "$js_dir" --no-audit --no-fund
    fi
fi

test -f "$js_dir/node_modules/axe-core/axe.min.js" || {
    echo "install-test-deps: axe-core/axe.min.js still missing after npm" >&2
    exit 1
}
echo "install-test-deps: ok"
