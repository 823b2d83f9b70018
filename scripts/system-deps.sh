#!/usr/bin/env bash
# System packages the tests need, installed with apt-get only when missing (machines run as root).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
fc-list 2>/dev/null | grep -qi "dejavu" || need+=(fonts-dejavu-core)
# WeasyPrint (PDF report) loads Pango through cffi; pdftotext/pdftoppm check the PDF in tests.
ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so" || need+=(libpango-1.0-0)
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so" || need+=(libpangoft2-1.0-0)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
# LibreOffice (headless) renders the DOCX report to pages in the tests, as a reader would open it.
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
# Its Russian hyphenation (the DOCX asks for automatic hyphenation; Word has its own dictionary).
[[ -e /usr/share/hyphen/hyph_ru_RU.dic ]] || need+=(hyphen-ru)
if ((${#need[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "Нужны системные пакеты: ${need[*]}. Установите их: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "Устанавливаю системные пакеты: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
