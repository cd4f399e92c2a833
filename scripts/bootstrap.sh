#!/usr/bin/env bash
# PaintGAN bootstrap: installs what is needed, then launches the app or runs the tests.
#   bash scripts/bootstrap.sh app    install the app into .venv and launch it
#   bash scripts/bootstrap.sh test   install the app + test/train/package extras, run lint, the whole test
#                                    suite, then build the packaged app and run its frozen self-test
#                                    (PAINTGAN_SKIP_PACKAGE=1 skips the bundle)
# Works on a fresh Debian 12 machine with Python 3.11 (system packages are installed with apt-get
# when missing and we are root, or through sudo when available).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-app}"; shift || true
PY="${PYTHON:-python3}"
VENV="${PAINTGAN_VENV:-.venv}"
TORCH_SPEC="${PAINTGAN_TORCH_SPEC:-torch==2.13.0}"

# Qt 6 (PySide6) needs these shared libraries even offscreen; python3-venv makes virtual environments.
APT_PACKAGES=(python3-venv libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0
              libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
              libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xinerama0 fonts-dejavu-core)

install_system_packages() {
  command -v dpkg-query >/dev/null 2>&1 || return 0
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "PaintGAN needs these Debian packages: ${missing[*]} (run as root: apt-get install ${missing[*]})" >&2
      return 0
    fi
  fi
  echo "Installing system packages: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

make_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    echo "Creating virtual environment in $VENV"
    "$PY" -m venv "$VENV"
  fi
  export PIP_DISABLE_PIP_VERSION_CHECK=1
}

pip_install() {  # quiet pip; its exit status is kept
  local log rc=0
  log="$(mktemp)"
  "$VENV/bin/python" -m pip install -q "$@" >"$log" 2>&1 || rc=$?
  grep -v "^WARNING: Location" "$log" || true
  rm -f "$log"
  return $rc
}

case "$mode" in
  app)
    install_system_packages
    make_venv
    "$VENV/bin/python" -c "import paintgan, PySide6, onnxruntime, cv2" 2>/dev/null || pip_install -e .
    exec "$VENV/bin/paintgan" "$@"
    ;;
  test)
    install_system_packages
    make_venv
    # torch first, pinned: a range would pull the registry's newest CUDA build (several GB).
    "$VENV/bin/python" -c "import torch" 2>/dev/null || pip_install "$TORCH_SPEC"
    pip_install -e ".[test,train,package]"
    "$VENV/bin/python" -m pip check >/dev/null 2>&1 || true
    export QT_QPA_PLATFORM=offscreen
    echo "== ruff"
    "$VENV/bin/ruff" check paintgan tests bench packaging
    echo "== import contracts"
    "$VENV/bin/lint-imports"
    echo "== pytest"
    "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$@"
    if [ -z "${PAINTGAN_SKIP_PACKAGE:-}" ]; then
      echo "== packaged app (PyInstaller) and frozen self-test"
      PAINTGAN_VENV="$VENV" bash packaging/build.sh
    fi
    ;;
  *)
    echo "usage: bash scripts/bootstrap.sh app|test [args...]" >&2
    exit 2
    ;;
esac
