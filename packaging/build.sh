#!/usr/bin/env bash
# Build the onedir bundle into dist/paintgan/, run the frozen smoke test, print the bundle size.
#   PAINTGAN_FLAVOUR=cpu|gpu bash packaging/build.sh   (default cpu)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${PAINTGAN_VENV:-.venv}"
PYTHON="$VENV/bin/python"
[ -x "$PYTHON" ] || PYTHON=python3
"$PYTHON" -c "import PyInstaller" 2>/dev/null || "$PYTHON" -m pip install -q "pyinstaller>=6.5"
export PAINTGAN_FLAVOUR="${PAINTGAN_FLAVOUR:-cpu}"
start=$(date +%s)
# warnings about GPU/GTK libraries a CPU bundle never loads are summed up in one line (filter_warnings.py)
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/paintgan.spec 2>&1 | "$PYTHON" packaging/filter_warnings.py
echo "== built dist/paintgan ($PAINTGAN_FLAVOUR) in $(( $(date +%s) - start )) s"
echo "== bundle size: $(du -sh dist/paintgan | cut -f1)"
echo "== largest parts:"
du -a dist/paintgan | sort -rn | awk 'NR>1 && NR<=13 {sub("dist/paintgan/", "", $2); printf "%8.1f MB  %s\n", $1/1024, $2}'
echo "== frozen smoke test"
QT_QPA_PLATFORM=offscreen dist/paintgan/paintgan selftest
